package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Limits, timeouts and upstream failures, each with the contract's error. */
class FailuresTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static String code(RawHttp.Response r) throws Exception {
        return JSON.readTree(r.body()).get("error").get("code").asText();
    }

    @Test
    void overlongRequestLineIs414AndOversizedHeadersAre431() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) {
            DemoGateway gateway = TestGateway.startWith(upstream, "");
            try {
                try (RawHttp c = new RawHttp(gateway.port())) {
                    RawHttp.Response r = c.send("GET /v1/trades?x=" + "a".repeat(8200) + " HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\n\r\n")
                            .read();
                    assertEquals(414, r.status());
                    assertEquals("URI_TOO_LONG", code(r));
                    assertEquals("close", r.header("connection"));
                    assertTrue(c.closedByServer());
                }
                try (RawHttp c = new RawHttp(gateway.port())) {
                    StringBuilder headers = new StringBuilder();
                    for (int i = 0; i < 40; i++) {
                        headers.append("X-Filler-").append(i).append(": ").append("b".repeat(1000)).append("\r\n");
                    }
                    RawHttp.Response r = c.send("GET /v1/trades HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\n" + headers + "\r\n").read();
                    assertEquals(431, r.status());
                    assertEquals("HEADERS_TOO_LARGE", code(r));
                    assertTrue(r.header("x-request-id") != null);
                }
                try (RawHttp c = new RawHttp(gateway.port())) {
                    // Just under both limits passes the framing checks and reaches the contract, which
                    // has no parameter x: 400 naming it, not 414 or 431.
                    RawHttp.Response r = c.send("GET /v1/trades?accountId=ACC-00012345&x=" + "a".repeat(8000)
                            + " HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\n" + "X-Big: " + "c".repeat(30_000) + "\r\n\r\n").read();
                    assertEquals(400, r.status());
                    assertTrue(r.text().contains("\"location\":\"query/x\""), r.text());
                }
                try (RawHttp c = new RawHttp(gateway.port())) {
                    RawHttp.Response r = c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\n"
                            + "X-Big: " + "c".repeat(30_000) + "\r\n\r\n").read();
                    assertEquals(200, r.status());
                }
                assertEquals(1, upstream.received.size());
            } finally {
                gateway.close();
            }
        }
    }

    @Test
    void smugglingShapedRequestsAreRefusedAndNeverForwarded() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) {
            DemoGateway gateway = TestGateway.startWith(upstream, "");
            try {
                String[] hostile = {
                    "POST /v1/trades HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                    "POST /v1/trades HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                    "GET /v1/trades HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                    "GET /v1/trades HTTP/1.1\r\n\r\n",
                    "GET /v1/trades HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\nExpect: teapot\r\n\r\n",
                };
                for (String req : hostile) {
                    try (RawHttp c = new RawHttp(gateway.port())) {
                        RawHttp.Response r = c.send(req).read();
                        assertEquals(400, r.status(), req);
                        assertEquals("VALIDATION_FAILED", code(r), req);
                    }
                }
                assertEquals(0, upstream.received.size());
            } finally {
                gateway.close();
            }
        }
    }

    @Test
    void slowClientsGet408() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) {
            DemoGateway gateway = TestGateway.startWith(upstream,
                    "client: {headersTimeout: 300ms, bodyIdleTimeout: 300ms, keepAliveIdleTimeout: 400ms}\n");
            try {
                try (RawHttp c = new RawHttp(gateway.port())) {
                    RawHttp.Response r = c.send("GET /v1/trades HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\n").read(); // headers never end
                    assertEquals(408, r.status());
                    assertEquals("REQUEST_TIMEOUT", code(r));
                    assertTrue(c.closedByServer());
                }
                try (RawHttp c = new RawHttp(gateway.port())) {
                    RawHttp.Response r = c.send("POST /v1/trades HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 10\r\n\r\n{\"a\"").read(); // body stops
                    assertEquals(408, r.status());
                    assertEquals("REQUEST_TIMEOUT", code(r));
                }
                try (RawHttp c = new RawHttp(gateway.port())) {
                    assertEquals(200, c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\n"
                            + "X-API-Key: it-key\r\n\r\n")
                            .read().status());
                    assertTrue(c.closedByServer()); // idle keep-alive connection closed, quietly
                }
            } finally {
                gateway.close();
            }
        }
    }

    @Test
    void refusedConnectionIs502() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        DemoGateway gateway = TestGateway.start("upstreams: {trade: {endpoints: [127.0.0.1:" + closedPort + "]}}\n");
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response r = c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\n\r\n").read();
            assertEquals(502, r.status());
            assertEquals("BAD_GATEWAY", code(r));
            // The task upstream (demo) is unaffected, on the same connection.
            assertEquals(200, c.send("GET /v1/tasks/tsk_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\n\r\n").read().status());
        } finally {
            gateway.close();
        }
    }

    @Test
    void garbageOrSilentCloseIs502AndSilenceIs504() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) {
            DemoGateway gateway = TestGateway.startWith(upstream, "responseTimeout: 300ms", "");
            try (RawHttp c = new RawHttp(gateway.port())) {
                String get = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n";
                upstream.mode = TestUpstream.Mode.GARBAGE;
                RawHttp.Response garbage = c.send(get).read();
                assertEquals(502, garbage.status(), garbage.headers() + " " + garbage.text());
                assertEquals("BAD_GATEWAY", code(garbage));
                upstream.mode = TestUpstream.Mode.CLOSE;
                assertEquals(502, c.send(get).read().status());
                upstream.mode = TestUpstream.Mode.SILENT;
                RawHttp.Response timeout = c.send(get).read();
                assertEquals(504, timeout.status());
                assertEquals("UPSTREAM_TIMEOUT", code(timeout));
                upstream.mode = TestUpstream.Mode.ANSWER;
                assertEquals(200, c.send(get).read().status()); // and the connection still serves
            } finally {
                gateway.close();
            }
        }
    }

    @Test
    void aPooledConnectionTheUpstreamClosesWhileIdleIsNeverHandedOut() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) {
            DemoGateway gateway = TestGateway.startWith(upstream, "");
            try (RawHttp c = new RawHttp(gateway.port())) {
                String get = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n";
                upstream.mode = TestUpstream.Mode.ANSWER_THEN_CLOSE; // keep-alive answer, then a silent close
                for (int i = 0; i < 5; i++) {
                    assertEquals(200, c.send(get).read().status());
                    // The connection went back to the pool; once the gateway has seen the close, it is gone.
                    awaitNoUpstreamConnections(gateway);
                }
                assertEquals(5, upstream.received.size());
            } finally {
                gateway.close();
            }
        }
    }

    private static void awaitNoUpstreamConnections(DemoGateway gateway) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (gateway.upstreamConnections("trade") > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the pool kept a connection the upstream had closed");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aConnectionTheUpstreamClosesIsNeverReused() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) {
            DemoGateway gateway = TestGateway.startWith(upstream, "");
            try (RawHttp c = new RawHttp(gateway.port())) {
                String get = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n";
                upstream.responder = r -> {
                    var resp = TestUpstream.json(io.netty.handler.codec.http.HttpResponseStatus.OK, "{}");
                    resp.headers().set("connection", "close"); // the upstream closes after answering
                    return resp;
                };
                // Were a closed connection handed out again, a request would fail with 502.
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, c.send(get).read().status());
                }
                assertEquals(20, upstream.received.size());
                assertTrue(upstream.connections.get() >= 20); // (health probes connect too)
            } finally {
                gateway.close();
            }
        }
    }
}
