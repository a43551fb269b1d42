package dev.gateway.core.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One captured exchange: the request as the caller sent it (less its credentials and hop-by-hop headers),
 * who sent it, and what it got. A capture is a file of these, one JSON object per line (JSON lines, UTF-8),
 * written in any order; {@code t} orders them.
 *
 * <table>
 * <caption>A line's fields</caption>
 * <tr><th>field</th><th>JSON type</th><th>meaning</th></tr>
 * <tr><td>{@code t}</td><td>integer ≥ 0</td><td>when the request came, in nanoseconds since the capture
 *     started (monotonic: {@code System.nanoTime} deltas); the replay's schedule</td></tr>
 * <tr><td>{@code time}</td><td>string</td><td>the same moment on the wall clock, ISO-8601 UTC
 *     ({@code 2025-03-14T09:26:53.589Z}), for people</td></tr>
 * <tr><td>{@code caller}</td><td>string</td><td>the caller's identity key: {@code j:SUBJECT} (a JWT's
 *     {@code sub}), {@code k:NAME} (an API key's name), {@code c:DN} (a client certificate's subject) or
 *     {@code a:ADDRESS} (the client address); keeps each
 *     caller's order and picks credentials on replay</td></tr>
 * <tr><td>{@code credential}</td><td>string</td><td>the kind of credential the request carried:
 *     {@code jwt}, {@code apikey}, {@code mtls} (a client certificate, which a replay cannot present) or
 *     {@code none}. The credential itself is never stored</td></tr>
 * <tr><td>{@code requestId}</td><td>string</td><td>the request's {@code X-Request-Id}</td></tr>
 * <tr><td>{@code route}</td><td>string or null</td><td>the route's path template
 *     ({@code /v1/trades/{tradeId}}), null when no route matched; may be left out</td></tr>
 * <tr><td>{@code method}</td><td>string</td><td>the request method</td></tr>
 * <tr><td>{@code target}</td><td>string</td><td>the origin-form request target, path and query
 *     ({@code /v1/trades?limit=5}), as the caller sent it</td></tr>
 * <tr><td>{@code headers}</td><td>array of [name, value]</td><td>the request's headers in order, names in
 *     lower case, without credential headers ({@link #CREDENTIAL_HEADERS}) and hop-by-hop headers
 *     ({@link #HOP_BY_HOP_HEADERS} and the names the request's {@code Connection} lists); may be left
 *     out when empty</td></tr>
 * <tr><td>{@code body}</td><td>string</td><td>the request body when it is valid UTF-8</td></tr>
 * <tr><td>{@code bodyBase64}</td><td>string</td><td>the request body in base64 (RFC 4648, with padding)
 *     when it is not; at most one of {@code body} and {@code bodyBase64} is present, and neither for an
 *     empty body</td></tr>
 * <tr><td>{@code bodyTruncated}</td><td>boolean</td><td>the body was longer than the capture keeps: what
 *     is stored is its beginning; may be left out when false</td></tr>
 * <tr><td>{@code status}</td><td>integer 100 to 599</td><td>the status the caller got (499: none, the
 *     caller left first)</td></tr>
 * <tr><td>{@code durationMicros}</td><td>integer ≥ 0</td><td>how long the exchange took, in
 *     microseconds</td></tr>
 * </table>
 *
 * <p>Readers ignore fields they do not know, so fields may be added. The record's constructor scrubs the
 * headers itself ({@link #scrub}), so no {@code CaptureRecord}, and no line written from one, holds a
 * credential header, whoever built it. The body array is copied in and out: the record is immutable.
 */
public record CaptureRecord(long t, String time, String caller, String credential, String requestId, String route,
        String method, String target, List<Map.Entry<String, String>> headers, byte[] body, boolean bodyTruncated,
        int status, long durationMicros) {
    /** {@code credential}: the request carried a bearer JWT. */
    public static final String JWT = "jwt";
    /** {@code credential}: the request carried an API key. */
    public static final String API_KEY = "apikey";
    /** {@code credential}: the request carried no credential. */
    public static final String NONE = "none";

    /** Headers that carry credentials: never captured. */
    public static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "x-api-key",
            "cookie", "set-cookie");
    /** Hop-by-hop headers (RFC 9110 §7.6.1, and the obsolete ones still seen): never captured. */
    public static final Set<String> HOP_BY_HOP_HEADERS = Set.of("connection", "keep-alive", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-connection");

    private static final byte[] EMPTY = new byte[0];

    public CaptureRecord {
        if (t < 0) {
            throw new IllegalArgumentException("field 't': must be 0 or more, got " + t);
        }
        require(time, "time");
        try {
            Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("field 'time': not an ISO-8601 instant such as "
                    + "2025-03-14T09:26:53.589Z: '" + time + "'");
        }
        require(caller, "caller");
        if (caller.isEmpty()) {
            throw new IllegalArgumentException("field 'caller': empty");
        }
        require(credential, "credential");
        if (!credential.equals(JWT) && !credential.equals(API_KEY) && !credential.equals(NONE)) {
            throw new IllegalArgumentException("field 'credential': expected jwt, apikey or none, got '" + credential
                    + "'");
        }
        require(requestId, "requestId");
        require(method, "method");
        if (!isToken(method)) {
            throw new IllegalArgumentException("field 'method': not a method: '" + method + "'");
        }
        require(target, "target");
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("field 'target': not an origin-form target (path and query, "
                    + "starting with '/'): '" + target + "'");
        }
        headers = scrub(headers == null ? List.of() : headers);
        body = body == null ? EMPTY : body.clone();
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("field 'status': expected 100 to 599, got " + status);
        }
        if (durationMicros < 0) {
            throw new IllegalArgumentException("field 'durationMicros': must be 0 or more, got " + durationMicros);
        }
    }

    /** The request body (a copy): what was captured of it, see {@link #bodyTruncated}. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body's length, without copying it. */
    public int bodyLength() {
        return body.length;
    }

    /**
     * The headers a capture keeps: every entry in order, names in lower case, except the
     * {@link #CREDENTIAL_HEADERS}, the {@link #HOP_BY_HOP_HEADERS} and the names the {@code Connection}
     * header lists. Takes any iterable of entries, Netty's {@code HttpHeaders} included.
     *
     * @return an immutable list
     * @throws IllegalArgumentException for a null name or value
     */
    public static List<Map.Entry<String, String>> scrub(Iterable<? extends Map.Entry<String, String>> headers) {
        Set<String> nominated = new HashSet<>();
        for (Map.Entry<String, String> h : headers) {
            if (h == null || h.getKey() == null || h.getValue() == null) {
                throw new IllegalArgumentException("field 'headers': a header without a name or value");
            }
            if (h.getKey().equalsIgnoreCase("connection")) {
                for (String option : h.getValue().split(",")) {
                    nominated.add(option.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        List<Map.Entry<String, String>> kept = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            // X_API_Key and the like count as what they spell: CGI-style servers read them as one name.
            if (!CREDENTIAL_HEADERS.contains(name.replace('_', '-')) && !HOP_BY_HOP_HEADERS.contains(name)
                    && !nominated.contains(name)) {
                kept.add(Map.entry(name, h.getValue()));
            }
        }
        return List.copyOf(kept);
    }

    /** The record as one capture line's object (write it with any {@code ObjectMapper}, then a newline). */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("t", t);
        o.put("time", time);
        o.put("caller", caller);
        o.put("credential", credential);
        o.put("requestId", requestId);
        if (route == null) {
            o.putNull("route");
        } else {
            o.put("route", route);
        }
        o.put("method", method);
        o.put("target", target);
        ArrayNode hs = o.putArray("headers");
        for (Map.Entry<String, String> h : headers) {
            hs.addArray().add(h.getKey()).add(h.getValue());
        }
        if (body.length > 0) {
            String text = utf8(body);
            if (text != null) {
                o.put("body", text);
            } else {
                o.put("bodyBase64", Base64.getEncoder().encodeToString(body));
            }
        }
        o.put("bodyTruncated", bodyTruncated);
        o.put("status", status);
        o.put("durationMicros", durationMicros);
        return o;
    }

    /**
     * Reads one capture line's object.
     *
     * @throws IllegalArgumentException naming the field and what is wrong with it
     */
    public static CaptureRecord fromJson(JsonNode line) {
        if (line == null || !line.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        byte[] body = EMPTY;
        JsonNode text = line.get("body");
        JsonNode base64 = line.get("bodyBase64");
        if (present(text) && present(base64)) {
            throw new IllegalArgumentException("fields 'body' and 'bodyBase64': at most one may be given");
        }
        if (present(text)) {
            body = string(line, "body").getBytes(StandardCharsets.UTF_8);
        } else if (present(base64)) {
            try {
                body = Base64.getDecoder().decode(string(line, "bodyBase64"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("field 'bodyBase64': not base64: " + e.getMessage());
            }
        }
        JsonNode truncated = line.get("bodyTruncated");
        if (present(truncated) && !truncated.isBoolean()) {
            throw new IllegalArgumentException("field 'bodyTruncated': expected true or false, got " + truncated);
        }
        long status = integer(line, "status");
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("field 'status': expected 100 to 599, got " + status);
        }
        JsonNode route = line.get("route");
        return new CaptureRecord(integer(line, "t"), string(line, "time"), string(line, "caller"),
                string(line, "credential"), string(line, "requestId"), present(route) ? string(line, "route") : null,
                string(line, "method"), string(line, "target"), headers(line.get("headers")), body,
                present(truncated) && truncated.booleanValue(), (int) status, integer(line, "durationMicros"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaptureRecord r && t == r.t && bodyTruncated == r.bodyTruncated && status == r.status
                && durationMicros == r.durationMicros && time.equals(r.time) && caller.equals(r.caller)
                && credential.equals(r.credential) && requestId.equals(r.requestId) && Objects.equals(route, r.route)
                && method.equals(r.method) && target.equals(r.target) && headers.equals(r.headers)
                && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(t, time, caller, credential, requestId, route, method, target, headers,
                Arrays.hashCode(body), bodyTruncated, status, durationMicros);
    }

    @Override
    public String toString() {
        return "CaptureRecord[t=" + t + ", time=" + time + ", caller=" + caller + ", credential=" + credential
                + ", requestId=" + requestId + ", route=" + route + ", " + method + " " + target + ", headers="
                + headers.size() + ", body=" + body.length + (bodyTruncated ? " bytes (truncated)" : " bytes")
                + ", status=" + status + ", durationMicros=" + durationMicros + "]";
    }

    /** @return the bytes as a string when they are valid UTF-8, else null */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static List<Map.Entry<String, String>> headers(JsonNode node) {
        if (!present(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("field 'headers': expected an array of [name, value], got "
                    + kind(node));
        }
        List<Map.Entry<String, String>> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode h = node.get(i);
            if (!h.isArray() || h.size() != 2 || !h.get(0).isTextual() || !h.get(1).isTextual()) {
                throw new IllegalArgumentException("field 'headers': entry " + i + " is not [name, value] (two "
                        + "strings): " + h);
            }
            out.add(Map.entry(h.get(0).textValue(), h.get(1).textValue()));
        }
        return out;
    }

    private static String string(JsonNode line, String field) {
        JsonNode n = line.get(field);
        if (n == null || n.isMissingNode()) {
            throw new IllegalArgumentException("field '" + field + "': missing");
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "': expected a string, got " + kind(n));
        }
        return n.textValue();
    }

    private static long integer(JsonNode line, String field) {
        JsonNode n = line.get(field);
        if (n == null || n.isMissingNode()) {
            throw new IllegalArgumentException("field '" + field + "': missing");
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + field + "': expected an integer, got " + kind(n));
        }
        return n.longValue();
    }

    private static boolean present(JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode();
    }

    private static String kind(JsonNode n) {
        String shown = n.toString();
        return n.getNodeType().name().toLowerCase(Locale.ROOT) + " "
                + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown);
    }

    private static void require(String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("field '" + field + "': missing");
        }
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
