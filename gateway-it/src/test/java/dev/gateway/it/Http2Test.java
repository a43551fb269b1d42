package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 with prior knowledge on the cleartext listener, spoken frame by frame: a stream's request goes
 * through the same stages as an HTTP/1.1 one and gets the same answers; malformed requests are reset and
 * never reach the upstream; the known attacks end in GOAWAY or RST_STREAM while the gateway goes on serving.
 */
class Http2Test {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final String ORDER = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\","
            + "\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}";

    static TestUpstream upstream;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        // A short body clock, so a stalled send is reset within the test's time.
        gateway = TestGateway.startWith(upstream, "client: {bodyIdleTimeout: 1s, headersTimeout: 2s}\n");
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    void clear() {
        upstream.received.clear();
    }

    @Test
    void aGetOnAStreamIsProxiedAndAnsweredAsOnHttp11() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, true, RawH2.get(TRADE));
            RawH2.Response r = h2.response(1);
            assertNull(r.reset());
            assertEquals(200, r.status());
            assertEquals("{\"ok\":true}", r.bodyText());
            assertNotNull(r.headers().get("x-request-id"));
        }
        TestUpstream.Recorded seen = upstream.received.poll();
        assertNotNull(seen);
        assertEquals("GET", seen.method());
        assertEquals(TRADE, seen.uri());
        assertEquals("http", seen.headers().get("x-forwarded-proto"));
        assertTrue(seen.headers().names().stream().noneMatch(n -> n.toLowerCase().startsWith("x-http2")),
                seen.headers().names().toString());
    }

    @Test
    void whatTheGatewayDecidesCannotBeForgedOnAStream() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, true, with(with(with(with(RawH2.get(TRADE), "x-auth-subject", "root"), "x-auth-scopes",
                    "admin"), "x-forwarded-for", "6.6.6.6"), "x-forwarded-proto", "https"));
            assertEquals(200, h2.response(1).status());
        }
        TestUpstream.Recorded seen = upstream.received.poll();
        assertNotNull(seen);
        assertEquals("it", seen.headers().get("x-auth-subject"));
        assertEquals("apikey", seen.headers().get("x-auth-method"));
        assertFalse(seen.headers().get("x-auth-scopes").contains("admin"), seen.headers().get("x-auth-scopes"));
        assertEquals("6.6.6.6, 127.0.0.1", seen.headers().get("x-forwarded-for"));
        assertEquals("http", seen.headers().get("x-forwarded-proto"));
    }

    @Test
    void aHeadThatLeavesItsStreamOpenWaitsForTheStreamBeforeGoingUpstream() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, false, RawH2.get(TRADE)); // no END_STREAM, and nothing after it yet
            h2.frame(RawH2.PING, 0, 0, new byte[8]);
            assertNotNull(h2.await(RawH2.PING)); // the head has been read by now
            assertTrue(upstream.received.isEmpty(), "forwarded before its stream showed a body or its end");
            h2.data(1, true, new byte[0]);
            assertEquals(200, h2.response(1).status());
        }
        TestUpstream.Recorded seen = upstream.received.poll();
        assertNotNull(seen);
        assertEquals(0, seen.body().length);
        assertNull(seen.headers().get("transfer-encoding"));
    }

    @Test
    void aConnectionThatOpensNoStreamIsClosedAtTheHeadersClock() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.frame(RawH2.PING, 0, 0, new byte[8]); // PINGs do not count as a request
            assertNotNull(h2.await(RawH2.GOAWAY));
            assertNull(h2.await(RawH2.GOAWAY), "closed after GOAWAY");
        }
    }

    @Test
    void clientsCancellingTheirOwnRequestsDoNotOpenTheBreaker() throws Exception {
        upstream.mode = TestUpstream.Mode.SILENT;
        try (RawH2 h2 = new RawH2(gateway.port())) {
            for (int i = 0; i < 60; i++) {
                h2.headers(1 + 2 * i, true, RawH2.get(TRADE));
            }
            Poll.until(java.time.Duration.ofSeconds(10), "60 requests upstream", () -> upstream.received.size() >= 60);
            for (int i = 0; i < 60; i++) {
                h2.rst(1 + 2 * i, RawH2.CANCEL);
            }
            upstream.mode = TestUpstream.Mode.ANSWER;
            h2.headers(201, true, RawH2.get(TRADE));
            List<RawH2.Frame> resets = new java.util.ArrayList<>();
            RawH2.Response r = null;
            for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
                if (f.type() == RawH2.RST_STREAM) {
                    resets.add(f);
                }
                if (f.type() == RawH2.HEADERS && f.stream() == 201) {
                    assertEquals("200", h2.decode(f.payload()).status().toString(), "the breaker opened");
                    break;
                }
            }
            // A reset is never answered with one (RFC 9113 §5.4.2).
            assertTrue(resets.isEmpty(), resets.toString());
        } finally {
            upstream.mode = TestUpstream.Mode.ANSWER;
        }
    }

    @Test
    void manyStreamsOnOneConnectionAreEachAnswered() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            for (int i = 0; i < 50; i++) {
                h2.headers(1 + 2 * i, true, RawH2.get(TRADE));
            }
            int ok = 0;
            for (RawH2.Frame f = h2.read(); f != null && ok < 50; f = h2.read()) {
                if (f.type() == RawH2.HEADERS && h2.decode(f.payload()).status().toString().equals("200")) {
                    ok++;
                }
            }
            assertEquals(50, ok);
        }
    }

    @Test
    void aBodyInDataFramesReachesTheUpstreamWholeAndFramedByTheGateway() throws Exception {
        byte[] body = ORDER.getBytes(StandardCharsets.UTF_8);
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/v1/trades", ":authority",
                    "localhost", "x-api-key", "it-key", "content-type", "application/json");
            h2.data(1, false, java.util.Arrays.copyOfRange(body, 0, 10));
            h2.data(1, true, java.util.Arrays.copyOfRange(body, 10, body.length));
            RawH2.Response r = h2.response(1);
            assertNull(r.reset());
            assertEquals(200, r.status(), r.bodyText());
        }
        TestUpstream.Recorded seen = upstream.received.poll();
        assertNotNull(seen);
        assertEquals(ORDER, new String(seen.body(), StandardCharsets.UTF_8));
    }

    @Test
    void theContractsErrorsAreTheSame() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, true, RawH2.get("/v1/nowhere"));
            RawH2.Response notFound = h2.response(1);
            assertEquals(404, notFound.status());
            assertTrue(notFound.bodyText().contains("\"NOT_FOUND\""), notFound.bodyText());
            h2.headers(3, true, ":method", "GET", ":scheme", "http", ":path", TRADE, ":authority", "localhost");
            RawH2.Response unauthenticated = h2.response(3);
            assertEquals(401, unauthenticated.status());
            assertTrue(unauthenticated.bodyText().contains("\"UNAUTHENTICATED\""), unauthenticated.bodyText());
        }
        assertTrue(upstream.received.isEmpty());
    }

    /** Requests RFC 9113 §8 calls malformed: each stream is reset, the connection serves the next one. */
    @ParameterizedTest
    @ValueSource(strings = {"crlf-in-value", "nul-in-value", "space-around-value", "host-not-authority",
            "path-with-space", "no-path", "absolute-path", "connection-header", "transfer-encoding",
            "upper-case-name", "te-not-trailers", "length-mismatch"})
    void aMalformedRequestIsResetAndNeverForwarded(String kind) throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            String[] get = RawH2.get(TRADE);
            switch (kind) {
                case "crlf-in-value" -> h2.headers(1, true, with(get, "x-injected", "a\r\nx-evil: 1"));
                case "nul-in-value" -> h2.headers(1, true, with(get, "x-injected", "a\u0000b"));
                case "space-around-value" -> h2.headers(1, true, with(get, "x-padded", " a"));
                case "host-not-authority" -> h2.headers(1, true, with(get, "host", "evil.example"));
                case "path-with-space" -> h2.headers(1, true, ":method", "GET", ":scheme", "http", ":path",
                        TRADE + " HTTP/1.1", ":authority", "localhost", "x-api-key", "it-key");
                case "no-path" -> h2.headers(1, true, ":method", "GET", ":scheme", "http", ":authority",
                        "localhost", "x-api-key", "it-key");
                case "absolute-path" -> h2.headers(1, true, ":method", "GET", ":scheme", "http", ":path",
                        "http://evil.example" + TRADE, ":authority", "localhost", "x-api-key", "it-key");
                case "connection-header" -> h2.headers(1, true, with(get, "connection", "close"));
                case "transfer-encoding" -> {
                    h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/v1/trades",
                            ":authority", "localhost", "x-api-key", "it-key", "content-type", "application/json",
                            "transfer-encoding", "chunked");
                    h2.data(1, true, ORDER.getBytes(StandardCharsets.UTF_8));
                }
                case "upper-case-name" -> h2.headers(1, true, with(get, "X-Upper", "a"));
                case "te-not-trailers" -> h2.headers(1, true, with(get, "te", "gzip"));
                case "length-mismatch" -> {
                    h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/v1/trades",
                            ":authority", "localhost", "x-api-key", "it-key", "content-type", "application/json",
                            "content-length", "5");
                    h2.data(1, true, ORDER.getBytes(StandardCharsets.UTF_8));
                }
                default -> throw new IllegalArgumentException(kind);
            }
            RawH2.Response refused = h2.response(1);
            assertNotNull(refused.reset(), kind + ": expected RST_STREAM, got " + refused.headers());
            assertEquals(RawH2.PROTOCOL_ERROR, refused.reset().errorCode());
            if (!kind.equals("transfer-encoding")) { // (its DATA then hits a stream never opened: GOAWAY)
                h2.headers(3, true, get);
                assertEquals(200, h2.response(3).status());
            }
        }
        assertTrue(upstream.received.stream().allMatch(r -> r.method().equals("GET")
                && !r.headers().contains("x-injected") && !r.headers().contains("x-evil")), upstream.received.toString());
        assertTrue(upstream.received.size() <= 1);
        assertServing();
    }

    private static String[] with(String[] fields, String name, String value) {
        String[] out = java.util.Arrays.copyOf(fields, fields.length + 2);
        out[fields.length] = name;
        out[fields.length + 1] = value;
        return out;
    }

    @Test
    void streamsBeyondTheLimitAreRefused() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            // Bodies never finished: each stream stays open.
            for (int i = 0; i <= 100; i++) {
                h2.headers(1 + 2 * i, false, ":method", "POST", ":scheme", "http", ":path", "/v1/trades",
                        ":authority", "localhost", "x-api-key", "it-key", "content-type", "application/json");
            }
            RawH2.Frame reset = h2.await(RawH2.RST_STREAM);
            assertNotNull(reset);
            assertEquals(1 + 2 * 100, reset.stream());
            assertEquals(RawH2.REFUSED_STREAM, reset.errorCode());
        }
    }

    @Test
    void rapidResetEndsTheConnection() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 400; i++) {
                int stream = 1 + 2 * i;
                burst.write(RawH2.encodeFrame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, stream,
                        h2.headerBlock(RawH2.get(TRADE))));
                burst.write(RawH2.encodeFrame(RawH2.RST_STREAM, 0, stream,
                        ByteBuffer.allocate(4).putInt(RawH2.CANCEL).array()));
            }
            h2.write(burst.toByteArray());
            assertGoAway(h2, RawH2.ENHANCE_YOUR_CALM);
        }
        assertServing();
    }

    @Test
    void aContinuationFloodEndsTheConnection() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            flood.write(RawH2.encodeFrame(RawH2.HEADERS, 0, 1, h2.headerBlock(RawH2.get(TRADE))));
            byte[] field = h2.headerBlock("x-filler", "a".repeat(100));
            for (int i = 0; i < 2_000; i++) {
                flood.write(RawH2.encodeFrame(RawH2.CONTINUATION, 0, 1, i % 2 == 0 ? new byte[0] : field));
            }
            try {
                h2.write(flood.toByteArray());
            } catch (IOException closedMidway) {
                // the gateway may close before it has read it all
            }
            List<RawH2.Frame> frames = h2.drain();
            assertTrue(frames.stream().anyMatch(f -> f.type() == RawH2.GOAWAY), frames.toString());
        }
        assertTrue(upstream.received.isEmpty());
        assertServing();
    }

    @Test
    void aPingFloodEndsTheConnection() throws Exception {
        double before = Exposition.scrape(gateway.adminPort()).sum("gateway_http2_control_frame_floods_total");
        try (RawH2 h2 = new RawH2(gateway.port())) {
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            for (int i = 0; i < 1_000; i++) {
                flood.write(RawH2.encodeFrame(RawH2.PING, 0, 0, new byte[8]));
            }
            h2.write(flood.toByteArray());
            assertGoAway(h2, RawH2.ENHANCE_YOUR_CALM);
        }
        assertEquals(before + 1, Exposition.scrape(gateway.adminPort()).sum("gateway_http2_control_frame_floods_total"));
        assertServing();
    }

    @Test
    void aSettingsFloodEndsTheConnection() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            byte[] setting = ByteBuffer.allocate(6).putShort((short) 0x4).putInt(65_535).array();
            for (int i = 0; i < 1_000; i++) {
                flood.write(RawH2.encodeFrame(RawH2.SETTINGS, 0, 0, setting));
            }
            h2.write(flood.toByteArray());
            assertGoAway(h2, RawH2.ENHANCE_YOUR_CALM);
        }
        assertServing();
    }

    @Test
    void anHpackBombIsRefusedWithoutReachingTheUpstream() throws Exception {
        // One 4,000-byte field put in the dynamic table, then referred to 200 times: 800 KB decoded from a
        // block of about 4 KB, far past the 32 KiB header list limit.
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        literal(block, 0x04, TRADE); // :path, not indexed
        literal(block, 0x01, "localhost"); // :authority
        block.write(0x40); // literal with incremental indexing, new name
        hpackString(block, "x-bomb");
        hpackString(block, "b".repeat(4_000));
        for (int i = 0; i < 200; i++) {
            block.write(0x80 | 62); // the newest dynamic table entry
        }
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, block.toByteArray());
            List<RawH2.Frame> frames = new java.util.ArrayList<>();
            for (RawH2.Frame f = h2.read(); f != null; f = h2.read()) {
                frames.add(f);
                if ((f.type() == RawH2.HEADERS && f.stream() == 1) || f.type() == RawH2.RST_STREAM
                        || f.type() == RawH2.GOAWAY) {
                    break;
                }
            }
            RawH2.Frame last = frames.get(frames.size() - 1);
            if (last.type() == RawH2.HEADERS) {
                assertEquals("431", h2.decode(last.payload()).status().toString());
            } else {
                assertTrue(last.type() == RawH2.RST_STREAM || last.type() == RawH2.GOAWAY, frames.toString());
            }
        }
        assertTrue(upstream.received.isEmpty());
        assertServing();
    }

    private static void literal(ByteArrayOutputStream out, int nameIndex, String value) {
        out.write(nameIndex); // literal without indexing, indexed name (index < 15)
        hpackString(out, value);
    }

    /** An HPACK string literal without Huffman coding (RFC 7541 §5.2), its length a 7-bit prefix integer. */
    private static void hpackString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        int n = bytes.length;
        if (n < 127) {
            out.write(n);
        } else {
            out.write(127);
            n -= 127;
            while (n >= 128) {
                out.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            out.write(n);
        }
        out.writeBytes(bytes);
    }

    @Test
    void emptyDataFramesEndTheConnection() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/v1/trades", ":authority",
                    "localhost", "x-api-key", "it-key", "content-type", "application/json");
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            for (int i = 0; i < 100; i++) {
                flood.write(RawH2.encodeFrame(RawH2.DATA, 0, 1, new byte[0]));
            }
            h2.write(flood.toByteArray());
            List<RawH2.Frame> frames = h2.drain();
            assertTrue(frames.stream().anyMatch(f -> f.type() == RawH2.GOAWAY), frames.toString());
        }
        assertServing();
    }

    @Test
    void aResponseHeldBackByAClosedWindowIsResetAfterTheBodyClock() throws Exception {
        double before = Exposition.scrape(gateway.adminPort()).sum("gateway_http2_send_stalls_total");
        try (RawH2 h2 = new RawH2(gateway.port(), false)) {
            h2.settings(0x4, 0); // SETTINGS_INITIAL_WINDOW_SIZE 0: no DATA may be sent
            h2.headers(1, true, RawH2.get(TRADE));
            RawH2.Response r = h2.response(1); // the headers come (not flow-controlled), the body cannot
            assertNotNull(r.reset(), "expected a reset, got " + r.headers());
            assertEquals(RawH2.CANCEL, r.reset().errorCode());
            assertEquals("200", r.headers().status().toString());
            assertEquals(0, r.body().length);
        }
        assertEquals(before + 1, Exposition.scrape(gateway.adminPort()).sum("gateway_http2_send_stalls_total"));
        assertServing();
    }

    @Test
    void anUpgradeToH2cSentWithThePrefaceAtOnceIsServedOnStreamOne() throws Exception {
        byte[] upgrade = ("GET " + TRADE + " HTTP/1.1\r\nHost: localhost\r\nX-API-Key: it-key\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (RawH2 h2 = new RawH2(gateway.port(), upgrade)) {
            assertTrue(h2.http1Head().startsWith("HTTP/1.1 101 "));
            RawH2.Response r = h2.response(1);
            assertNotNull(r.headers(), () -> "no response on stream 1: " + r.reset());
            assertEquals(200, r.status());
            h2.headers(3, true, RawH2.get(TRADE));
            assertEquals(200, h2.response(3).status());
        }
        TestUpstream.Recorded seen = upstream.received.poll();
        assertNotNull(seen);
        assertFalse(seen.headers().contains("upgrade"));
        assertFalse(seen.headers().contains("http2-settings"));
    }

    /** Upgrades the gateway declines: each answered over HTTP/1.1, the connection never switched. */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.0", "HTTP2-Settings: not*base64\r\n", "HTTP2-Settings: AAMAAA\r\n",
            "HTTP2-Settings: AAMAAABkAAQAAP__\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n", "",
            "HTTP2-Settings: AAMAAABkAAQAAP__\r\nContent-Length: 2\r\n"})
    void anUpgradeAskedWronglyOrWithABodyIsServedOverHttp11(String more) throws Exception {
        String body = more.contains("Content-Length") ? "{}" : "";
        boolean http10 = more.equals("HTTP/1.0"); // RFC 9110 §7.8: an HTTP/1.0 request's Upgrade is ignored
        String request = "GET " + TRADE + (http10 ? " HTTP/1.0" : " HTTP/1.1") + "\r\nHost: localhost\r\n"
                + "X-API-Key: it-key\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + (http10 ? "HTTP2-Settings: AAMAAABkAAQAAP__\r\n" : more) + "\r\n" + body;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            new java.io.DataInputStream(s.getInputStream()).readFully(head);
            assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
        }
    }

    /** With {@code listener.http2.enabled: false} the listener is what it was: HTTP/1.1 only. */
    @Test
    void withHttp2OffThePrefaceIsRefusedAndAnUpgradeIgnored() throws Exception {
        try (DemoGateway http1Only = DemoGateway.start(dev.gateway.core.config.GatewayConfig.fromYaml(
                "listener: {host: 127.0.0.1, port: 0, http2: {enabled: false}}\nadmin: {host: 127.0.0.1, port: 0}\n"
                + TestGateway.CREDENTIALS + "upstreams:\n  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n", "http/1.1 only"))) {
            try (RawHttp c = new RawHttp(http1Only.port())) {
                RawHttp.Response refused = c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").read();
                assertEquals(400, refused.status());
            }
            try (RawHttp c = new RawHttp(http1Only.port())) {
                RawHttp.Response r = c.send("GET " + TRADE + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n"
                        + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                        + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n").read();
                assertEquals(200, r.status());
            }
            TestUpstream.Recorded seen = upstream.received.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertNotNull(seen);
            assertFalse(seen.headers().contains("upgrade"));
            assertFalse(seen.headers().contains("http2-settings"));
        }
    }

    private static void assertGoAway(RawH2 h2, int errorCode) throws IOException {
        RawH2.Frame goAway = h2.await(RawH2.GOAWAY);
        assertNotNull(goAway, "the connection closed without GOAWAY");
        assertEquals(errorCode, goAway.errorCode());
        assertNull(h2.await(RawH2.GOAWAY), "the connection stayed open after GOAWAY");
    }

    /** A new connection is served: whatever happened before did not harm the gateway. */
    private static void assertServing() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, true, RawH2.get(TRADE));
            assertEquals(200, h2.response(1).status());
        }
        upstream.received.clear();
    }
}
