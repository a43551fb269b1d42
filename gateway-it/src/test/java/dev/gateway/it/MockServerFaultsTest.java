package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway in front of MockServer (its standalone jar, run as its own process), which answers slowly,
 * drops connections or answers 503 as each test's expectations say, and counts what reached it.
 */
class MockServerFaultsTest {
    private static final String SLOW = "/v1/trades/trd_slow0000000000000000";
    private static final String FAST = "/v1/trades/trd_fast0000000000000000";
    private static final String KEY = "X-API-Key: it-key\r\n";

    private static MockServerProcess mockServer;
    private static int port;
    private DemoGateway gateway;

    @BeforeAll
    static void startMockServer() throws Exception {
        mockServer = MockServerProcess.start();
        port = mockServer.port;
    }

    @AfterAll
    static void stopMockServer() throws InterruptedException {
        if (mockServer != null) {
            mockServer.close();
        }
    }

    @BeforeEach
    void reset() throws Exception {
        mockServer.reset();
    }

    @AfterEach
    void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static void expect(String request, String answer) throws Exception {
        mockServer.expect(request, answer);
    }

    /** How many requests matching {@code request} MockServer has received. */
    private static int received(String request) throws Exception {
        return mockServer.received(request).size();
    }

    private void startGateway(String tradeSettings) throws InterruptedException {
        gateway = TestGateway.start("upstreams:\n"
                + "  trade: {endpoints: [127.0.0.1:" + port + "]" + tradeSettings + "}\n"
                + "  task: {endpoints: [127.0.0.1:" + port + "]}\n");
    }

    private RawHttp.Response get(String path) throws IOException {
        try (RawHttp c = new RawHttp(gateway.port())) {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: gw\r\n" + KEY + "\r\n").read();
        }
    }

    @Test
    @Timeout(60)
    void aSlowAnswerIs504WhileAFastOneOnTheSameUpstreamIsNotHeldUp() throws Exception {
        expect("{\"path\":\"" + SLOW + "\"}", "\"httpResponse\":{\"statusCode\":200,\"body\":\"{}\","
                + "\"delay\":{\"timeUnit\":\"SECONDS\",\"value\":5}}");
        expect("{\"path\":\"" + FAST + "\"}", "\"httpResponse\":{\"statusCode\":200,\"body\":\"{}\"}");
        startGateway(", responseTimeout: 500ms");
        long start = System.nanoTime();
        CompletableFuture<RawHttp.Response> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return get(SLOW);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Poll.until(Duration.ofSeconds(10), "the slow request reaching MockServer",
                () -> received("{\"path\":\"" + SLOW + "\"}") == 1);
        assertEquals(200, get(FAST).status(), "a fast answer while the slow one is pending");
        assertTrue(!slow.isDone(), "the fast answer came before the slow request's timeout");
        RawHttp.Response r = slow.get(10, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(504, r.status(), r.text());
        assertTrue(r.text().contains("UPSTREAM_TIMEOUT"), r.text());
        assertTrue(millis < 4000, "answered after the response timeout, not MockServer's delay: " + millis + " ms");
        assertEquals(1, received("{\"path\":\"" + SLOW + "\"}"), "a timed-out GET is not sent again");
    }

    @Test
    @Timeout(60)
    void aPostWhoseConnectionIsDroppedIsAnswered502AndNeverSentTwice() throws Exception {
        expect("{\"method\":\"POST\",\"path\":\"/v1/trades\"}", "\"httpError\":{\"dropConnection\":true}");
        startGateway("");
        String body = FaultsTest.TRADE;
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response r = c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\n" + KEY
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).read();
            assertEquals(502, r.status(), r.text());
            assertTrue(r.text().contains("BAD_GATEWAY"), r.text());
        }
        assertEquals(1, received("{\"method\":\"POST\",\"path\":\"/v1/trades\"}"));
    }

    @Test
    @Timeout(60)
    void upstream503sOpenTheBreakerAndThenNothingMoreReachesTheUpstream() throws Exception {
        expect("{\"path\":\"" + FAST + "\"}", "\"httpResponse\":{\"statusCode\":503,\"body\":\"{\\\"busy\\\":true}\"}");
        startGateway(", breaker: {minimumCalls: 4, failureRateThreshold: 50, openDelay: 30s}");
        int passedThrough = 0;
        RawHttp.Response own = null;
        for (int i = 0; i < 12 && own == null; i++) {
            RawHttp.Response r = get(FAST);
            assertEquals(503, r.status());
            if (r.text().contains("busy")) {
                passedThrough++; // the upstream's own answer, unchanged
            } else {
                own = r;
            }
        }
        assertNotNull(own, "the breaker never opened");
        assertTrue(own.text().contains("UPSTREAM_UNAVAILABLE"), own.text());
        long retryAfter = Long.parseLong(own.header("retry-after"));
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
        assertEquals(4, passedThrough, "opens at the minimum calls, all failures");
        for (int i = 0; i < 5; i++) {
            assertTrue(get(FAST).text().contains("UPSTREAM_UNAVAILABLE"));
        }
        assertEquals(passedThrough, received("{\"path\":\"" + FAST + "\"}"), "an open breaker sends nothing on");
    }
}
