package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bodies built to hurt a parser or a proxy, and the limits of LEGACY.md: each gets its contract error,
 * nothing reaches the upstream, no buffer leaks, and other clients keep being served.
 */
class HostileBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VALID = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\","
            + "\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"MARKET\",\"quantity\":5";
    static TestUpstream upstream;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        gateway = TestGateway.startWith(upstream, "client: {bodyIdleTimeout: 300ms, headersTimeout: 400ms}\n"
                + "operations: {uploadArtifact: {maxBodySize: 64KiB}}\n");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.received.clear();
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"ok\":true}");
    }

    private static RawHttp.Response post(String contentType, byte[] body) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\n"
                    + "X-API-Key: it-key\r\n" + (contentType == null ? "" : "Content-Type: "
                    + contentType + "\r\n") + "Content-Length: " + body.length + "\r\n\r\n");
            c.send(body);
            return c.read();
        }
    }

    private static RawHttp.Response postJson(byte[] body) throws Exception {
        return post("application/json", body);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode error(RawHttp.Response r) throws Exception {
        return JSON.readTree(r.body()).get("error");
    }

    private static void assertRefused(RawHttp.Response r, int status, String code, String messagePart)
            throws Exception {
        assertEquals(status, r.status(), r.text());
        assertEquals(code, error(r).get("code").asText(), r.text());
        if (messagePart != null) {
            assertTrue(r.text().contains(messagePart), r.text());
        }
        assertNull(upstream.received.poll(), "a refused request reached the upstream");
    }

    @Test
    void tenThousandLevelsOfNestingAreMalformed() throws Exception {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertRefused(postJson(bytes(VALID + ",\"tags\":" + deep + "}")), 400, "MALFORMED_BODY", "nested deeper");
    }

    @Test
    void aOneMiBStringIsTooLargeAndAJustSmallerOneBreaksItsMaxLength() throws Exception {
        String mib = "a".repeat(1 << 20);
        assertRefused(postJson(bytes(VALID + ",\"tags\":{\"x\":\"" + mib + "\"}}")), 413, "PAYLOAD_TOO_LARGE", null);
        String big = "a".repeat((1 << 20) - 400);
        RawHttp.Response r = postJson(bytes(VALID.replace("ord-1", big) + "}"));
        assertRefused(r, 400, "VALIDATION_FAILED", "\"location\":\"body/clientOrderId\"");
    }

    @Test
    void duplicateKeysAreMalformed() throws Exception {
        assertRefused(postJson(bytes(VALID + ",\"quantity\":7}")), 400, "MALFORMED_BODY", "duplicate key");
    }

    @Test
    void hugeExponentsAreOutOfRangeNotACrash() throws Exception {
        assertRefused(postJson(bytes(VALID.replace("\"quantity\":5", "\"quantity\":1e999999") + "}")), 400,
                "VALIDATION_FAILED", "\"location\":\"body/quantity\"");
        assertRefused(postJson(bytes(VALID.replace("\"quantity\":5", "\"quantity\":1e-999999") + "}")), 400,
                "VALIDATION_FAILED", "\"location\":\"body/quantity\"");
    }

    @Test
    void nulBytesAreMalformedRawAndAPatternViolationEscaped() throws Exception {
        assertRefused(postJson(bytes(VALID.replace("ord-1", "ord\u00001") + "}")), 400, "MALFORMED_BODY", null);
        assertRefused(postJson(bytes(VALID.replace("ord-1", "ord\\u00001") + "}")), 400, "VALIDATION_FAILED",
                "\"location\":\"body/clientOrderId\"");
    }

    @Test
    void invalidUtf8IsMalformed() throws Exception {
        byte[] body = bytes(VALID.replace("\"ord-1\"", "\"ord\u0001\"") + "}");
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 1) {
                body[i] = (byte) 0xC3; // a lead byte followed by a quote: no valid sequence
            }
        }
        assertRefused(postJson(body), 400, "MALFORMED_BODY", "not valid UTF-8");
        assertRefused(postJson(new byte[] {(byte) 0xFF, (byte) 0xFE, '{', '}'}), 400, "MALFORMED_BODY", null);
    }

    @Test
    void bodiesThatStopEarlyOrCarryGarbage() throws Exception {
        assertRefused(postJson(bytes(VALID)), 400, "MALFORMED_BODY", "not valid JSON"); // no closing brace
        assertRefused(postJson(bytes(VALID + "} trailing")), 400, "MALFORMED_BODY", null);
        assertRefused(postJson(new byte[0]), 400, "VALIDATION_FAILED", "\"location\":\"body\"");
        try (RawHttp c = new RawHttp(gateway.port())) { // announced 100 bytes, sends 10, then waits
            c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"clientOr");
            RawHttp.Response r = c.read();
            assertEquals(408, r.status());
            assertEquals("REQUEST_TIMEOUT", error(r).get("code").asText());
        }
        assertNull(upstream.received.poll());
    }

    @Test
    void timeoutsShorterThanKeepAliveStillFireOnTime() throws Exception {
        // The connection's clock is first set for the 65 s keep-alive; each phase must pull it forward.
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                    + "X-API-Key: it-key\r\nX-Slow: "); // never ends
            RawHttp.Response r = c.read();
            assertEquals(408, r.status());
        }
    }

    @Test
    void oversizedBodiesAre413BeforeAnyOfItIsRead() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            // Only the head is sent: the answer comes from Content-Length alone.
            c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1048577\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(413, r.status());
            assertEquals("PAYLOAD_TOO_LARGE", error(r).get("code").asText());
            assertEquals("close", r.header("connection")); // a mebibyte unread: the framing is lost
        }
        try (RawHttp c = new RawHttp(gateway.port())) { // chunked: counted as it arrives
            c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            String chunk = "a".repeat(64 * 1024);
            for (int i = 0; i < 17; i++) {
                c.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            c.send("0\r\n\r\n");
            assertEquals(413, c.read().status());
        }
        assertNull(upstream.received.poll());
    }

    @Test
    void aStreamedUploadOverItsLimitIsCutAnd413() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("PUT /v1/tasks/tsk_abcdefghij0123456789/artifacts/big.bin HTTP/1.1\r\nHost: gw\r\n"
                    + "X-API-Key: it-key\r\n"
                    + "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[16 * 1024];
            for (int i = 0; i < 5; i++) { // 80 KiB against a 64 KiB limit
                c.send(Integer.toHexString(chunk.length) + "\r\n");
                c.send(chunk);
                c.send("\r\n");
            }
            RawHttp.Response r = c.read();
            assertEquals(413, r.status());
            assertEquals("PAYLOAD_TOO_LARGE", error(r).get("code").asText());
        }
        // The upstream had the first part streamed to it: it never sees a complete request.
        assertNull(upstream.received.poll());
    }

    @Test
    void mediaTypesOutsideTheOperationsAre415() throws Exception {
        assertRefused(post("text/plain", bytes(VALID + "}")), 415, "UNSUPPORTED_MEDIA_TYPE", "application/json");
        assertRefused(post(null, bytes(VALID + "}")), 415, "UNSUPPORTED_MEDIA_TYPE", null);
        assertRefused(post("application/json; charset=iso-8859-1", bytes(VALID + "}")), 415,
                "UNSUPPORTED_MEDIA_TYPE", null);
        RawHttp.Response ok = post("Application/JSON; charset=UTF-8", bytes(VALID + "}"));
        assertEquals(200, ok.status(), ok.text());
    }

    @Test
    void otherClientsAreServedWhileHostileBodiesPourIn() throws Exception {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        byte[] nested = bytes(VALID + ",\"tags\":" + deep + "}");
        byte[] huge = bytes(VALID + ",\"tags\":{\"x\":\"" + "a".repeat(900_000) + "\"}}");
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService attackers = Executors.newFixedThreadPool(2);
        try {
            Future<?>[] attacks = new Future<?>[2];
            for (int t = 0; t < attacks.length; t++) {
                byte[] body = t == 0 ? nested : huge;
                attacks[t] = attackers.submit(() -> {
                    while (!stop.get()) {
                        assertEquals(400, postJson(body).status());
                    }
                    return null;
                });
            }
            try (RawHttp c = new RawHttp(gateway.port())) {
                for (int i = 0; i < 300; i++) {
                    RawHttp.Response r = c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                            + "X-API-Key: it-key\r\n\r\n")
                            .read();
                    assertEquals(200, r.status());
                }
            }
            stop.set(true);
            for (Future<?> f : attacks) {
                f.get();
            }
        } finally {
            stop.set(true);
            attackers.shutdownNow();
        }
        assertEquals(300, upstream.received.size()); // only the good requests went upstream
        // Each hostile body is held only while it is checked: the pool never needed more than a few bodies' worth.
        long used = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        assertTrue(used < 64L << 20, "direct memory in use after the flood: " + used);
    }
}
