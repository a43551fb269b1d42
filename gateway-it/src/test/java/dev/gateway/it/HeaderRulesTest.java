package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.codec.RequestIds;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every header rule of the legacy contract, checked on both sides of the gateway. */
class HeaderRulesTest {
    static TestUpstream upstream;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        gateway = TestGateway.startWith(upstream, "");
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

    private RawHttp.Response exchange(String request) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            return c.send(request).read();
        }
    }

    private TestUpstream.Recorded upstreamSaw() throws InterruptedException {
        TestUpstream.Recorded r = upstream.received.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the request never reached the upstream");
        }
        return r;
    }

    @Test
    void validRequestIdIsKeptSentUpstreamAndReturned() throws Exception {
        RawHttp.Response r = exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                + "X-API-Key: it-key\r\n"
                + "X-Request-Id: abc.DEF_123-x\r\n\r\n");
        assertEquals("abc.DEF_123-x", r.header("x-request-id"));
        assertEquals("abc.DEF_123-x", upstreamSaw().headers().get("x-request-id"));
    }

    @Test
    void invalidRequestIdIsReplaced() throws Exception {
        for (String bad : new String[] {"has space", "slash/no", "x".repeat(129), "é"}) {
            RawHttp.Response r = exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                    + "X-API-Key: it-key\r\n"
                    + "X-Request-Id: " + bad + "\r\n\r\n");
            String id = r.header("x-request-id");
            assertNotEquals(bad, id);
            assertTrue(RequestIds.isAcceptable(id), id);
            assertEquals(id, upstreamSaw().headers().get("x-request-id"));
        }
        assertEquals("y".repeat(128), exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                + "X-API-Key: it-key\r\n"
                + "X-Request-Id: " + "y".repeat(128) + "\r\n\r\n").header("x-request-id"));
        upstreamSaw();
    }

    @Test
    void missingRequestIdIsMadeAndEveryRequestGetsItsOwn() throws Exception {
        String a = exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n")
                .header("x-request-id");
        String b = exchange("GET /v1/nowhere HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n").header("x-request-id");
        assertTrue(RequestIds.isAcceptable(a));
        assertTrue(RequestIds.isAcceptable(b));
        assertNotEquals(a, b);
        assertEquals(a, upstreamSaw().headers().get("x-request-id"));
    }

    @Test
    void forwardingHeadersAndHostRewrite() throws Exception {
        // Valid, but spelled as no normaliser would: the query goes upstream exactly as sent.
        exchange("GET /v1/trades?accountId=ACC%2D00012345&cursor=%2F%20a+b%7e&symbol=BRK.B HTTP/1.1\r\nHost: api.example.com\r\n"
                + "X-API-Key: it-key\r\n"
                + "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n");
        TestUpstream.Recorded r = upstreamSaw();
        assertEquals("/v1/trades?accountId=ACC%2D00012345&cursor=%2F%20a+b%7e&symbol=BRK.B", r.uri());
        assertEquals("203.0.113.9, 127.0.0.1", r.headers().get("x-forwarded-for"));
        assertEquals("http", r.headers().get("x-forwarded-proto"));
        assertEquals("api.example.com", r.headers().get("x-forwarded-host"));
        assertEquals(upstream.endpoint(), r.headers().get("host"));

        exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n");
        assertEquals("127.0.0.1", upstreamSaw().headers().get("x-forwarded-for"));
    }

    @Test
    void hopByHopHeadersAreNotForwardedUpstream() throws Exception {
        exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n"
                + "Connection: keep-alive, X-Hop, x-other\r\nX-Hop: 1\r\nX-Other: 2\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\n"
                + "Trailer: X-T\r\nUpgrade: websocket\r\nX-End-To-End: kept\r\n\r\n");
        TestUpstream.Recorded r = upstreamSaw();
        for (String h : new String[] {"x-hop", "x-other", "keep-alive", "proxy-connection", "proxy-authorization",
            "te", "trailer", "upgrade", "transfer-encoding"}) {
            assertNull(r.headers().get(h), h);
        }
        assertFalse("close".equalsIgnoreCase(r.headers().get("connection")));
        assertEquals("kept", r.headers().get("x-end-to-end"));
    }

    @Test
    void hopByHopHeadersAreNotPassedBackAndOthersAreUnchanged() throws Exception {
        upstream.responder = rec -> {
            FullHttpResponse resp = TestUpstream.json(HttpResponseStatus.CREATED, "{\"id\":1}");
            resp.headers().add("Connection", "x-secret").add("X-Secret", "s").add("Keep-Alive", "timeout=1")
                    .add("Upgrade", "h2c").add("Trailer", "x").add("Proxy-Connection", "keep-alive")
                    .add("Location", "/v1/trades/trd_1").add("X-Upstream", "a").add("X-Upstream", "b")
                    .add("Cache-Control", "no-store");
            return resp;
        };
        RawHttp.Response r = exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                + "X-API-Key: it-key\r\n\r\n");
        assertEquals(201, r.status());
        assertEquals("{\"id\":1}", r.text());
        for (String h : new String[] {"x-secret", "keep-alive", "upgrade", "trailer", "proxy-connection"}) {
            assertNull(r.header(h), h);
        }
        assertNull(r.header("connection"));
        assertEquals("/v1/trades/trd_1", r.header("location"));
        assertEquals(java.util.List.of("a", "b"), r.headers("x-upstream"));
        assertEquals("no-store", r.header("cache-control"));
        assertEquals("application/json", r.header("content-type"));
    }

    @Test
    void credentialsNeverReachTheUpstreamAndIdentityIsTheGatewaysOwn() throws Exception {
        exchange("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n"
                + "X-Auth-Subject: root\r\nx-auth-scopes: admin\r\nX-AUTH-METHOD: jwt\r\nX-Auth-Other: x\r\n"
                + "X-Authority: kept\r\n\r\n");
        TestUpstream.Recorded r = upstreamSaw();
        assertNull(r.headers().get("x-api-key"));
        assertNull(r.headers().get("x-auth-other"));
        assertEquals(List.of("it"), r.headers().getAll("x-auth-subject"));
        assertEquals(List.of("trades:read trades:write tasks:read tasks:write"), r.headers().getAll("x-auth-scopes"));
        assertEquals(List.of("apikey"), r.headers().getAll("x-auth-method"));
        assertEquals("kept", r.headers().get("x-authority"));
    }

    @Test
    void theClientsConnectionWishesHoldForProxiedRequests() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response r = c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                    + "X-API-Key: it-key\r\n"
                    + "Connection: close\r\n\r\n").read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByServer());
        }
        upstreamSaw();
        upstream.responder = rec -> {
            var resp = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    io.netty.buffer.Unpooled.copiedBuffer("streamed", java.nio.charset.StandardCharsets.UTF_8));
            resp.headers().set("transfer-encoding", "chunked"); // a body of unknown length
            return resp;
        };
        try (RawHttp c = new RawHttp(gateway.port())) {
            // HTTP/1.0 cannot read chunks: the body ends with the connection instead.
            c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.0\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n");
            RawHttp.Response head = c.readHead();
            assertEquals(200, head.status());
            assertNull(head.header("transfer-encoding"));
            assertEquals("close", head.header("connection"));
            assertEquals("streamed", new String(c.input().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        upstreamSaw();
    }

    @Test
    void upstreamErrorsPassThroughUnchanged() throws Exception {
        String body = "{\"error\":{\"code\":\"RISK\",\"message\":\"limit\",\"requestId\":\"u-1\"}}";
        upstream.responder = rec -> TestUpstream.json(HttpResponseStatus.UNPROCESSABLE_ENTITY, body);
        RawHttp.Response r = exchange("DELETE /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
                + "X-API-Key: it-key\r\n\r\n");
        assertEquals(422, r.status());
        assertEquals(body, r.text());
        upstreamSaw();
    }

    @Test
    void chunkedRequestBodiesAreForwardedIntact() throws Exception {
        String part1 = "{\"clientOrderId\":\"o-1\", \"accountId\":\"ACC-00012345\",";
        String part2 = "\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"MARKET\",\"quantity\": 1e2 }";
        exchange("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(part1.length()) + "\r\n" + part1 + "\r\n"
                + Integer.toHexString(part2.length()) + "\r\n" + part2 + "\r\n0\r\n\r\n");
        TestUpstream.Recorded r = upstreamSaw();
        assertEquals(part1 + part2, new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
}
