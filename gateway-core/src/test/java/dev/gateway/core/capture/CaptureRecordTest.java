package dev.gateway.core.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A capture line: written and read back alike, never holding a credential, and refused with its field named. */
class CaptureRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static CaptureRecord record(List<Map.Entry<String, String>> headers, byte[] body, boolean truncated) {
        return new CaptureRecord(1_250_000_000L, "2025-03-14T09:26:53.589Z", "j:alice", "jwt", "req-1",
                "/v1/trades/{tradeId}", "POST", "/v1/trades?dryRun=true", headers, body, truncated, 201, 4_200);
    }

    /** Written as a line, read back from the line. */
    private static CaptureRecord roundTrip(CaptureRecord r) throws Exception {
        String line = JSON.writeValueAsString(r.toJson());
        assertFalse(line.contains("\n"), "one line");
        return CaptureRecord.fromJson(JSON.readTree(line));
    }

    @Test
    void aRecordIsReadBackAsItWasWritten() throws Exception {
        CaptureRecord r = record(List.of(Map.entry("content-type", "application/json"), Map.entry("accept", "*/*"),
                Map.entry("accept", "application/json")), "{\"qty\":5,\"note\":\"Zoë 東京\"}".getBytes(
                StandardCharsets.UTF_8), false);
        assertEquals(r, roundTrip(r));
        ObjectNode json = r.toJson();
        assertEquals(List.of("t", "time", "caller", "credential", "requestId", "route", "method", "target", "headers",
                "body", "bodyTruncated", "status", "durationMicros"), fieldNames(json));
        assertEquals("{\"qty\":5,\"note\":\"Zoë 東京\"}", json.get("body").textValue());
        assertEquals("[[\"content-type\",\"application/json\"],[\"accept\",\"*/*\"],[\"accept\",\"application/json\"]]",
                json.get("headers").toString());
    }

    @Test
    void aBodyThatIsNotUtf8IsWrittenInBase64() throws Exception {
        byte[] binary = {(byte) 0xff, 0, (byte) 0xc3, 0x28, 'a'};
        CaptureRecord r = record(List.of(), binary, true);
        ObjectNode json = r.toJson();
        assertNull(json.get("body"));
        assertEquals("/wDDKGE=", json.get("bodyBase64").textValue());
        CaptureRecord back = roundTrip(r);
        assertArrayEquals(binary, back.body());
        assertTrue(back.bodyTruncated());
        // an empty body is written as neither
        ObjectNode empty = record(List.of(), new byte[0], false).toJson();
        assertFalse(empty.has("body") || empty.has("bodyBase64"));
    }

    @Test
    void credentialsAndHopByHopHeadersAreNeverKept() {
        List<Map.Entry<String, String>> sent = List.of(Map.entry("Host", "api.example"),
                Map.entry("Authorization", "Bearer eyJhbGciOi.secret"), Map.entry("X-API-Key", "k-secret"),
                Map.entry("Cookie", "session=secret"), Map.entry("Proxy-Authorization", "Basic c2VjcmV0"),
                Map.entry("Set-Cookie", "a=secret"), Map.entry("Connection", "keep-alive, X-Trace-Hop"),
                Map.entry("Keep-Alive", "timeout=5"), Map.entry("TE", "trailers"), Map.entry("Trailer", "x"),
                Map.entry("Transfer-Encoding", "chunked"), Map.entry("Upgrade", "h2c"),
                Map.entry("Proxy-Connection", "keep-alive"), Map.entry("X-Trace-Hop", "1"),
                Map.entry("Accept", "application/json"), Map.entry("X-Request-Id", "req-1"));
        List<Map.Entry<String, String>> kept = List.of(Map.entry("host", "api.example"),
                Map.entry("accept", "application/json"), Map.entry("x-request-id", "req-1"));
        assertEquals(kept, CaptureRecord.scrub(sent));
        // the record scrubs what it is given, so no line can carry a credential
        CaptureRecord r = record(sent, new byte[0], false);
        assertEquals(kept, r.headers());
        assertFalse(r.toJson().toString().contains("secret"));
    }

    @Test
    void nettyHeadersAreScrubbedAsTheyAre() {
        HttpHeaders h = new DefaultHttpHeaders().add("Accept", "a").add("authorization", "Bearer x")
                .add("Connection", "close").add("Accept", "b");
        assertEquals(List.of(Map.entry("accept", "a"), Map.entry("accept", "b")), CaptureRecord.scrub(h));
    }

    @Test
    void optionalFieldsMayBeLeftOutAndUnknownOnesAreIgnored() throws Exception {
        CaptureRecord r = CaptureRecord.fromJson(JSON.readTree("{\"t\":0,\"time\":\"2025-03-14T09:26:53Z\","
                + "\"caller\":\"a:10.1.2.3\",\"credential\":\"none\",\"requestId\":\"r\",\"method\":\"GET\","
                + "\"target\":\"/healthz\",\"status\":200,\"durationMicros\":12,\"addedLater\":[1,2]}"));
        assertNull(r.route());
        assertEquals(List.of(), r.headers());
        assertEquals(0, r.bodyLength());
        assertFalse(r.bodyTruncated());
    }

    @Test
    void badLinesAreRefusedNamingTheField() throws Exception {
        ObjectNode good = record(List.of(), "x".getBytes(StandardCharsets.UTF_8), false).toJson();
        assertRefused(good.deepCopy().without("caller"), "field 'caller': missing");
        assertRefused(good.deepCopy().put("t", -1), "field 't': must be 0 or more");
        assertRefused(good.deepCopy().put("t", "soon"), "field 't': expected an integer, got string \"soon\"");
        assertRefused(good.deepCopy().put("t", 1.5), "field 't': expected an integer");
        assertRefused(good.deepCopy().put("time", "yesterday"), "field 'time': not an ISO-8601 instant");
        assertRefused(good.deepCopy().put("credential", "password"), "field 'credential': expected jwt, apikey or none");
        assertRefused(good.deepCopy().put("status", 9000), "field 'status': expected 100 to 599, got 9000");
        assertRefused(good.deepCopy().put("status", "200"), "field 'status': expected an integer");
        assertRefused(good.deepCopy().put("method", "GET /"), "field 'method': not a method");
        assertRefused(good.deepCopy().put("target", "http://a/b"), "field 'target': not an origin-form target");
        assertRefused(good.deepCopy().put("bodyBase64", "AA=="), "fields 'body' and 'bodyBase64'");
        assertRefused(((ObjectNode) good.deepCopy().without("body")).put("bodyBase64", "%%%"), "field 'bodyBase64': not base64");
        assertRefused(good.deepCopy().put("bodyTruncated", "no"), "field 'bodyTruncated': expected true or false");
        assertRefused(good.deepCopy().put("route", 5), "field 'route': expected a string");
        ObjectNode badHeader = good.deepCopy();
        badHeader.putArray("headers").addArray().add("accept");
        assertRefused(badHeader, "field 'headers': entry 0 is not [name, value]");
        assertRefused(good.deepCopy().put("headers", "accept: */*"), "field 'headers': expected an array");
        assertRefused(JSON.readTree("[1]"), "not a JSON object");
    }

    private static void assertRefused(JsonNode line, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CaptureRecord.fromJson(line),
                line.toString());
        assertTrue(e.getMessage().startsWith(problem), e.getMessage());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
