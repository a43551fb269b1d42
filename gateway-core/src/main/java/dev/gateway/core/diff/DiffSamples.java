package dev.gateway.core.diff;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the journal line of one sampled comparison: the request, the differences, and both responses
 * with their bodies capped and their credentials left out. Thread-safe.
 *
 * <h2>Line format</h2>
 * One JSON object per line (JSON Lines), members in this order:
 * <table>
 * <caption>Members of a sampled-difference line</caption>
 * <tr><th>member</th><th>type</th><th>meaning</th></tr>
 * <tr><td>{@code time}</td><td>string</td><td>when the line was built, ISO-8601 UTC with milliseconds
 *     ({@code 2025-03-01T12:00:00.123Z})</td></tr>
 * <tr><td>{@code type}</td><td>string</td><td>always {@code "diff-sample"}</td></tr>
 * <tr><td>{@code comparison}</td><td>string</td><td>{@code "candidate"} (reference against candidate) or
 *     {@code "baseline"} (reference against a second reference answer, for noise)</td></tr>
 * <tr><td>{@code route}</td><td>string</td><td>the route template the request matched</td></tr>
 * <tr><td>{@code requestId}</td><td>string or null</td><td>the request's {@code X-Request-Id}</td></tr>
 * <tr><td>{@code method}</td><td>string</td><td>the request method</td></tr>
 * <tr><td>{@code target}</td><td>string</td><td>the request target (path and query) as sent</td></tr>
 * <tr><td>{@code differenceCount}</td><td>number</td><td>how many differences the comparison found (at most
 *     {@link ResponseDiffer#MAX_DIFFERENCES})</td></tr>
 * <tr><td>{@code differences}</td><td>array of objects</td><td>each {@code {"kind": "STATUS"|"HEADER"|"BODY",
 *     "op", "path", "value", "was"}} as {@link Difference#toPatchOperation()} (no {@code value} for a
 *     remove, no {@code was} for an add); for a credential header, {@code value} and {@code was} are left out
 *     and {@code "redacted": true} is set</td></tr>
 * <tr><td>{@code reference}, {@code candidate}</td><td>object</td><td>each response:
 *     {@code status} (number), {@code headers} (object: lower-case name to the values joined with
 *     {@code ", "}; credential headers left out), {@code bodyBytes} (number: bytes captured),
 *     {@code bodyTruncated} (boolean: the body below is not the whole body, because the capture or this
 *     line's cap cut it), {@code bodyEncoding} ({@code "utf-8"} or {@code "base64"}), {@code body} (string:
 *     at most the cap's bytes, as text when they are valid UTF-8, cut back to a character boundary, else
 *     base64 of the bytes)</td></tr>
 * </table>
 *
 * <p>Credential headers, never written: {@code authorization}, {@code proxy-authorization},
 * {@code x-api-key}, {@code cookie}, {@code set-cookie}. The request target is written as given: a
 * credential in a query string is the caller's to strip first.
 */
public final class DiffSamples {
    /** Headers never written to a sample. */
    static final Set<String> CREDENTIALS =
            Set.of("authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final int maxBodyBytes;
    private final Clock clock;

    /**
     * @param maxBodyBytes the most body bytes written per response, at least 0
     * @throws IllegalArgumentException if negative
     */
    public DiffSamples(int maxBodyBytes) {
        this(maxBodyBytes, Clock.systemUTC());
    }

    DiffSamples(int maxBodyBytes, Clock clock) {
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes " + maxBodyBytes + " < 0");
        }
        this.maxBodyBytes = maxBodyBytes;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param route the route template
     * @param requestId the request id, or {@code null}
     * @param method the request method
     * @param target the request target as sent
     * @param differences what the comparison found
     * @param reference the reference response
     * @param candidate the other response (a second reference answer when {@code baseline})
     * @param baseline whether this was a reference-against-reference comparison
     * @return a new line in the format above
     */
    public ObjectNode line(String route, String requestId, String method, String target,
            List<Difference> differences, ObservedResponse reference, ObservedResponse candidate,
            boolean baseline) {
        ObjectNode line = NODES.objectNode();
        line.put("time", Instant.now(clock).truncatedTo(ChronoUnit.MILLIS).toString());
        line.put("type", "diff-sample");
        line.put("comparison", baseline ? "baseline" : "candidate");
        line.put("route", route);
        line.put("requestId", requestId);
        line.put("method", method);
        line.put("target", target);
        line.put("differenceCount", differences.size());
        ArrayNode out = line.putArray("differences");
        for (Difference difference : differences) {
            out.add(entry(difference));
        }
        line.set("reference", response(reference));
        line.set("candidate", response(candidate));
        return line;
    }

    private static ObjectNode entry(Difference difference) {
        ObjectNode entry = NODES.objectNode();
        entry.put("kind", difference.kind().name());
        if (difference.kind() == Difference.Kind.HEADER && isCredential(difference.path())) {
            entry.put("op", difference.op());
            entry.put("path", difference.path());
            entry.put("redacted", true);
        } else {
            entry.setAll(difference.toPatchOperation());
        }
        return entry;
    }

    private static boolean isCredential(String headerPath) {
        List<String> tokens = Pointers.parse(headerPath);
        return tokens.size() == 2 && CREDENTIALS.contains(tokens.get(1));
    }

    private ObjectNode response(ObservedResponse response) {
        ObjectNode out = NODES.objectNode();
        out.put("status", response.status());
        ObjectNode headers = out.putObject("headers");
        for (Map.Entry<String, String> header : response.headers().entrySet()) {
            if (!CREDENTIALS.contains(header.getKey())) {
                headers.put(header.getKey(), header.getValue());
            }
        }
        byte[] body = response.bodyBytes();
        int cut = Math.min(body.length, maxBodyBytes);
        int textCut = cut;
        // back off from the middle of a UTF-8 sequence (at most 3 continuation bytes) so text stays text
        while (textCut < body.length && textCut > 0 && cut - textCut < 3 && (body[textCut] & 0xC0) == 0x80) {
            textCut--;
        }
        String text = BodySummary.utf8(body, 0, textCut);
        out.put("bodyBytes", body.length);
        out.put("bodyTruncated", response.bodyTruncated() || (text != null ? textCut : cut) < body.length);
        if (text != null) {
            out.put("bodyEncoding", "utf-8");
            out.put("body", text);
        } else {
            out.put("bodyEncoding", "base64");
            out.put("body", Base64.getEncoder().encodeToString(Arrays.copyOf(body, cut)));
        }
        return out;
    }
}
