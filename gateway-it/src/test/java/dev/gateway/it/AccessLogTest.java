package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The access log as the log pipeline reads it: the jar run as its own process, its stdout parsed line by
 * line. Each line is held to LEGACY.md: the example line's fields in its order, with their types, and the
 * values of the requests the test made.
 */
@Timeout(90)
class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ACCESS = Pattern.compile("\"msg\":\"request (completed|errored)\"");
    private static final String TRADE_LIST = "/v1/trades?accountId=ACC-00012345&limit=5";
    private static final String TASK = "/v1/tasks/tsk_abcdefghij0123456789";
    private static final String ORDER = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\",\"symbol\":"
            + "\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}";
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SECRET_TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl";

    private static GatewayProcess gw;
    private static long startedMillis;
    /** The access line of each request, by the X-Request-Id it was sent with. */
    private static final Map<String, JsonNode> lines = new HashMap<>();
    private static final Map<String, Integer> clientPorts = new HashMap<>();
    private static final Map<String, RawHttp.Response> responses = new HashMap<>();
    private static final List<JsonNode> appLines = new ArrayList<>();
    private static final int EXPECTED_LINES = 12;
    /** The idle time after a stray empty line between two requests, ms. */
    private static final long IDLE_AFTER_CRLF_MS = 1000;
    /** The pause in the middle of the slow client's request head, ms. */
    private static final long SLOW_HEAD_PAUSE_MS = 300;

    /** The task upstream: accepts connections and reads requests, never answers. */
    private static SilentUpstream silent;

    @BeforeAll
    static void run() throws Exception {
        silent = new SilentUpstream();
        startedMillis = System.currentTimeMillis();
        // US-ASCII as the platform charset, as in a container without a locale: lines must still be UTF-8.
        gw = GatewayProcess.gateway(List.of("-Dfile.encoding=US-ASCII"), "upstreams: {task: {endpoints: [127.0.0.1:"
                + silent.port() + "], responseTimeout: 2s}}\n");
        send("list", "GET " + TRADE_LIST, "X-API-Key: it-key\r\nUser-Agent: access-test/1.0 \"quoted\" \u00e9\r\n"
                + "traceparent: 00-" + TRACE_ID + "-00f067aa0ba902b7-01\r\n", "");
        send("place", "POST /v1/trades", "X-API-Key: it-key\r\nContent-Type: application/json\r\n", ORDER);
        send("unknown", "GET /v1/nowhere?secret=no", "", "");
        send("timeout", "GET " + TASK, "X-API-Key: it-key\r\n", "");
        send("badtoken", "GET " + TASK, "Authorization: Bearer " + SECRET_TOKEN + "\r\n", "");
        try (RawHttp c = new RawHttp(gw.port)) { // half a body, then the client goes away
            clientPorts.put("cut", c.localPort());
            c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nX-Request-Id: cut\r\nX-API-Key: it-key\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"clientOrderId\"");
        }
        try (RawHttp c = new RawHttp(gw.port)) { // forwarded, then the client goes away before the answer
            clientPorts.put("left", c.localPort());
            c.send("GET " + TASK + " HTTP/1.1\r\nHost: gw\r\nX-Request-Id: left\r\nX-API-Key: it-key\r\n\r\n");
            silent.awaitRequest("x-request-id: left");
        }
        try (RawHttp c = new RawHttp(gw.port)) { // a head in two parts: the clock starts at its first byte
            clientPorts.put("slow", c.localPort());
            c.send("GET " + TRADE_LIST + " HTTP/1.1\r\nHost: gw\r\n");
            Thread.sleep(SLOW_HEAD_PAUSE_MS); // the client's own pace, the stimulus under test
            responses.put("slow", c.send("X-Request-Id: slow\r\nX-API-Key: it-key\r\n\r\n").read());
        }
        try (RawHttp c = new RawHttp(gw.port)) { // an empty line between two requests starts no clock (RFC 9112 §2.2)
            clientPorts.put("beforeCrlf", c.localPort());
            clientPorts.put("afterCrlf", c.localPort());
            String get = "GET " + TRADE_LIST + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n";
            responses.put("beforeCrlf", c.send(get + "X-Request-Id: beforeCrlf\r\n\r\n").read());
            c.send("\r\n");
            Thread.sleep(IDLE_AFTER_CRLF_MS); // the client's own pace: idle between requests
            responses.put("afterCrlf", c.send(get + "X-Request-Id: afterCrlf\r\n\r\n").read());
        }
        try (RawHttp c = new RawHttp(gw.port)) { // two pipelined requests in one write
            clientPorts.put("pipe1", c.localPort());
            clientPorts.put("pipe2", c.localPort());
            String get = "GET " + TRADE_LIST + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n";
            c.send(get + "X-Request-Id: pipe1\r\n\r\n" + get + "X-Request-Id: pipe2\r\n\r\n");
            responses.put("pipe1", c.read());
            responses.put("pipe2", c.read());
        }
        while (lines.size() < EXPECTED_LINES) {
            String line = gw.awaitLine(ACCESS, 20).group();
            JsonNode json = JSON.readTree(gw.seen.get(gw.seen.size() - 1));
            lines.put(json.get("reqId").asText(), json);
            assertNotNull(line);
        }
        for (String line : gw.seen) {
            if (line.startsWith("{") && !ACCESS.matcher(line).find()) {
                appLines.add(JSON.readTree(line));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (silent != null) {
            silent.close();
        }
    }

    private static void send(String id, String requestLine, String headers, String body) throws IOException {
        try (RawHttp c = new RawHttp(gw.port)) {
            clientPorts.put(id, c.localPort());
            String length = body.isEmpty() ? "" : "Content-Length: " + body.length() + "\r\n";
            responses.put(id, c.send(requestLine + " HTTP/1.1\r\nHost: gw\r\nX-Request-Id: " + id + "\r\n" + headers
                    + length + "\r\n" + body).read());
        }
    }

    /** The field names of an object, in order. */
    private static List<String> fields(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void everyLineHasLegacyMdsFieldsInItsOrderWithItsTypes() throws Exception {
        String legacy = Files.readString(Promtool.ROOT.resolve("openapi/LEGACY.md"));
        String example = legacy.lines().map(String::strip).filter(l -> l.startsWith("{\"level\":")).findFirst()
                .orElseThrow(() -> new AssertionError("no example line in LEGACY.md"));
        JsonNode ex = JSON.readTree(example);
        assertEquals(EXPECTED_LINES, lines.size());
        for (JsonNode line : lines.values()) {
            assertEquals(fields(ex), fields(line), line.toString());
            assertEquals(fields(ex.get("req")), fields(line.get("req")), line.toString());
            assertEquals(fields(ex.get("res")), fields(line.get("res")), line.toString());
            for (Iterator<String> it = ex.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                JsonNode v = line.get(f);
                assertTrue(v.isNull() || v.getNodeType() == ex.get(f).getNodeType()
                        || (v.isNumber() && ex.get(f).isNumber()), f + " in " + line);
            }
            assertTrue(line.get("level").isInt());
            assertTrue(line.get("time").asLong() >= startedMillis
                    && line.get("time").asLong() <= System.currentTimeMillis(), line.toString());
            assertEquals(gw.process.pid(), line.get("pid").asLong());
            assertFalse(line.get("hostname").asText().isEmpty());
            assertEquals("127.0.0.1", line.get("req").get("remoteAddress").asText());
            assertEquals((int) clientPorts.get(line.get("reqId").asText()), line.get("req").get("remotePort").asInt());
            assertTrue(line.get("responseTime").isNumber() && line.get("responseTime").asDouble() >= 0);
            assertTrue(line.get("bytesIn").isIntegralNumber() && line.get("bytesOut").isIntegralNumber());
            assertFalse(line.has("logger"), "access lines never carry 'logger'");
        }
    }

    @Test
    void aProxiedReadNamesItsRouteUpstreamCallerAndTrace() {
        JsonNode l = lines.get("list");
        assertEquals(200, responses.get("list").status());
        assertEquals(30, l.get("level").asInt());
        assertEquals("GET", l.get("req").get("method").asText());
        assertEquals(TRADE_LIST, l.get("req").get("url").asText(), "the URL as sent, query included");
        assertEquals("/v1/trades", l.get("req").get("route").asText());
        assertEquals("access-test/1.0 \"quoted\" \u00e9", l.get("req").get("userAgent").asText(), "in UTF-8");
        assertEquals(200, l.get("res").get("statusCode").asInt());
        assertEquals("trade", l.get("upstream").asText());
        assertTrue(l.get("upstreamTime").asDouble() > 0);
        assertTrue(l.get("upstreamTime").asDouble() <= l.get("responseTime").asDouble());
        assertEquals(0, l.get("bytesIn").asInt());
        assertEquals(responses.get("list").body().length, l.get("bytesOut").asInt());
        assertEquals("it", l.get("subject").asText(), "the API key's name");
        assertEquals(TRACE_ID, l.get("traceId").asText(), "the caller's trace, tracing off or not");
        assertEquals("request completed", l.get("msg").asText());
    }

    @Test
    void aWriteCountsTheBytesBothWays() {
        JsonNode l = lines.get("place");
        assertEquals(201, responses.get("place").status());
        assertEquals(30, l.get("level").asInt());
        assertEquals(ORDER.length(), l.get("bytesIn").asInt());
        assertEquals(responses.get("place").body().length, l.get("bytesOut").asInt());
        assertTrue(l.get("req").get("userAgent").isNull());
        assertTrue(l.get("traceId").isNull());
    }

    @Test
    void aRefusalIsLevel40WithNullsWhereThereWasNothing() {
        JsonNode l = lines.get("unknown");
        assertEquals(404, l.get("res").get("statusCode").asInt());
        assertEquals(40, l.get("level").asInt());
        assertTrue(l.get("req").get("route").isNull());
        assertTrue(l.get("upstream").isNull());
        assertTrue(l.get("upstreamTime").isNull());
        assertTrue(l.get("subject").isNull());
        assertEquals(responses.get("unknown").body().length, l.get("bytesOut").asInt());
        assertEquals(401, lines.get("badtoken").get("res").get("statusCode").asInt());
        assertEquals(40, lines.get("badtoken").get("level").asInt());
    }

    @Test
    void anUpstreamFailureIsLevel50AndNamesTheUpstream() {
        JsonNode l = lines.get("timeout");
        assertEquals(504, l.get("res").get("statusCode").asInt());
        assertEquals(50, l.get("level").asInt());
        assertEquals("task", l.get("upstream").asText());
        assertTrue(l.get("upstreamTime").asDouble() >= 2000, "waited out the 2 s response timeout: " + l);
        assertEquals("request completed", l.get("msg").asText());
    }

    @Test
    void aClientLeavingWhileTheUpstreamWorksIsErroredWithTheUpstreamTimed() {
        JsonNode l = lines.get("left");
        assertEquals("request errored", l.get("msg").asText());
        assertEquals(499, l.get("res").get("statusCode").asInt());
        assertEquals("task", l.get("upstream").asText());
        assertTrue(l.get("upstreamTime").isNumber(), "the attempt ended before the line was written: " + l);
        assertTrue(l.get("upstreamTime").asDouble() <= l.get("responseTime").asDouble());
    }

    @Test
    void pipelinedRequestsHaveALineEach() {
        for (String id : List.of("pipe1", "pipe2")) {
            assertEquals(200, responses.get(id).status());
            assertEquals(id, responses.get(id).header("x-request-id"));
            JsonNode l = lines.get(id);
            assertEquals(200, l.get("res").get("statusCode").asInt());
            assertEquals(responses.get(id).body().length, l.get("bytesOut").asInt());
            assertEquals("request completed", l.get("msg").asText());
        }
    }

    @Test
    void aConnectionCutBeforeTheAnswerIsRequestErrored() {
        JsonNode l = lines.get("cut");
        assertEquals("request errored", l.get("msg").asText());
        assertEquals(499, l.get("res").get("statusCode").asInt(), "nothing was sent: the client closed");
        assertEquals(40, l.get("level").asInt());
        assertEquals("/v1/trades", l.get("req").get("route").asText());
        assertEquals("{\"clientOrderId\"".length(), l.get("bytesIn").asInt());
        assertEquals(0, l.get("bytesOut").asInt());
    }

    @Test
    void responseTimeStartsAtTheRequestsFirstByte() {
        assertEquals(200, responses.get("slow").status());
        JsonNode l = lines.get("slow");
        // Read from the head's first byte: the pause inside the head counts (less what the first read
        // itself may have lagged). Timed from the decoded head, it would be a millisecond or two.
        assertTrue(l.get("responseTime").asDouble() >= SLOW_HEAD_PAUSE_MS * 2 / 3.0, l.toString());
    }

    @Test
    void anEmptyLineBetweenRequestsDoesNotStartTheNextOnesClock() {
        assertEquals(200, responses.get("afterCrlf").status());
        JsonNode l = lines.get("afterCrlf");
        // Timed from the empty line it would include the whole idle second.
        assertTrue(l.get("responseTime").asDouble() < IDLE_AFTER_CRLF_MS, l.toString());
    }

    @Test
    void noCredentialOrHeaderValueIsLogged() {
        String out = gw.outputSoFar();
        assertFalse(out.contains(SECRET_TOKEN), "a bearer token in the output");
        assertFalse(out.contains("c2VjcmV0LXBheWxvYWQ"), "part of a bearer token in the output");
        assertFalse(out.contains("it-key"), "an API key in the output");
        assertFalse(out.contains("accountId\":\"ACC"), "a request body in the output");
    }

    @Test
    void applicationLinesAreJsonWithALoggerAndANamedLevel() {
        assertFalse(appLines.isEmpty());
        for (JsonNode l : appLines) {
            assertTrue(l.get("logger").isTextual(), l.toString());
            assertTrue(l.get("level").isTextual(), l.toString());
            assertTrue(l.get("time").isIntegralNumber(), l.toString());
            assertTrue(l.get("msg").isTextual(), l.toString());
        }
        assertTrue(appLines.stream().anyMatch(l -> l.get("msg").asText().startsWith("gateway listening on")));
    }

    @Test
    void accessLogOffWritesNoLine() throws Exception {
        try (GatewayProcess quiet = GatewayProcess.gateway(List.of(),
                "logging: {accessLog: false}\nshutdown: {drainDelay: 0s, grace: 1s}\n")) {
            try (RawHttp c = new RawHttp(quiet.port)) {
                assertEquals(404, c.send("GET /nope HTTP/1.1\r\nHost: gw\r\n\r\n").read().status());
            }
            quiet.process.destroy(); // SIGTERM: the shutdown lines come after any line of that request
            assertTrue(quiet.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, quiet.process.exitValue());
            quiet.awaitLine(Pattern.compile("gateway stopped"), 30);
            String out = quiet.outputSoFar();
            assertFalse(ACCESS.matcher(out).find(), out);
        }
    }
}
