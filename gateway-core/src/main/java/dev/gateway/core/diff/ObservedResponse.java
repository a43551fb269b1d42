package dev.gateway.core.diff;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One response as it is compared: what was captured of it, detached from any buffer or connection.
 * Immutable: the body is copied in and {@link #body()} hands out a copy.
 *
 * @param status the status code, 100 to 999
 * @param headers lower-case header name to its values joined with {@code ", "} in the order received
 * @param body the captured body bytes, possibly empty, at most what the capture allowed
 * @param bodyTruncated whether the body was longer than the capture allowed, so {@code body} is only its
 *        first bytes (such bodies are compared byte by byte, never structurally)
 */
public record ObservedResponse(int status, Map<String, String> headers, byte[] body, boolean bodyTruncated) {
    private static final byte[] EMPTY = new byte[0];

    /**
     * @throws IllegalArgumentException if the status is outside 100 to 999 or a header name is not lower case
     * @throws NullPointerException if {@code headers}, a name or a value is null
     */
    public ObservedResponse {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status " + status + " is not a three-digit code");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String name = Objects.requireNonNull(header.getKey(), "header name");
            if (!name.equals(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header name '" + name + "' is not lower case; use of(...)");
            }
            copy.put(name, Objects.requireNonNull(header.getValue(), "value of " + name));
        }
        headers = Collections.unmodifiableMap(copy);
        body = body == null || body.length == 0 ? EMPTY : body.clone();
    }

    /**
     * Builds a response from header lines as received, in any case: names are lower-cased and the values of
     * a name seen more than once are joined with {@code ", "} in order (RFC 9110 §5.3). Netty's
     * {@code HttpHeaders} and a {@code Map}'s {@code entrySet()} are both such lines.
     *
     * @param status the status code, 100 to 999
     * @param headerLines names and values
     * @param body the captured body, {@code null} for none; copied
     * @param bodyTruncated whether the body was cut at the capture's limit
     * @return the response
     * @throws IllegalArgumentException if the status is outside 100 to 999
     */
    public static ObservedResponse of(int status, Iterable<? extends Map.Entry<String, String>> headerLines,
            byte[] body, boolean bodyTruncated) {
        Map<String, String> joined = new LinkedHashMap<>();
        for (Map.Entry<String, String> line : headerLines) {
            String name = line.getKey().toLowerCase(Locale.ROOT);
            String value = Objects.requireNonNull(line.getValue(), "value of " + name);
            joined.merge(name, value, (a, b) -> a + ", " + b);
        }
        return new ObservedResponse(status, joined, body, bodyTruncated);
    }

    /** @return a copy of the captured body bytes */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** @return the number of captured body bytes */
    public int bodyLength() {
        return body.length;
    }

    /** The body without a copy, for this package's readers, which never write to it. */
    byte[] bodyBytes() {
        return body;
    }

    /** @return the value of a header (lower-case name), or {@code null} */
    String header(String name) {
        return headers.get(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObservedResponse other && status == other.status
                && bodyTruncated == other.bodyTruncated && headers.equals(other.headers)
                && Arrays.equals(body, other.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, bodyTruncated) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "ObservedResponse[status=" + status + ", headers=" + headers.keySet() + ", body=" + body.length
                + " bytes" + (bodyTruncated ? " (truncated)" : "") + "]";
    }
}
