package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-caller token buckets, black box. The refill rate is set so low (one token a minute) that no
 * token comes back while a test runs: every count below is exact, whatever the machine's speed.
 */
class RateLimitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    static TestUpstream upstream;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        String allScopes = "scopes: [trades:read, trades:write, tasks:read, tasks:write]";
        gateway = TestGateway.startWithOwnCredentials("upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "auth:\n"
                + "  apiKeys:\n"
                + "    alice: {sha256: " + Hashing.sha256(Hashing.ascii("alice-key")) + ", " + allScopes + "}\n"
                + "    bob: {sha256: " + Hashing.sha256(Hashing.ascii("bob-key")) + ", " + allScopes + "}\n"
                + "    carol: {sha256: " + Hashing.sha256(Hashing.ascii("carol-key")) + ", " + allScopes + "}\n"
                + "rateLimits:\n"
                + "  trade:\n"
                + "    read: {perSecond: 0.0166667, burst: 5}\n"
                + "    write: {perSecond: 0.0166667, burst: 3}\n"
                + "  task: ~\n");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    private static RawHttp.Response send(RawHttp c, String method, String path, String key) throws Exception {
        return c.send(method + " " + path + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + key + "\r\n\r\n").read();
    }

    @Test
    void aCallerGetsItsBurstThen429WithTheHeaders() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, send(c, "DELETE", TRADE, "alice-key").status(), "write " + i);
            }
            upstream.received.clear();
            RawHttp.Response r = send(c, "DELETE", TRADE, "alice-key");
            assertEquals(429, r.status());
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertEquals("RATE_LIMITED", error.get("code").asText());
            assertEquals(r.header("x-request-id"), error.get("requestId").asText());
            assertEquals("3", r.header("ratelimit-limit"));
            assertEquals("0", r.header("ratelimit-remaining"));
            long retryAfter = Long.parseLong(r.header("retry-after"));
            long reset = Long.parseLong(r.header("ratelimit-reset"));
            // One token a minute: the next is under 60 s away, a full bucket under 180 s.
            assertTrue(retryAfter > 50 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertTrue(reset > retryAfter + 110 && reset <= 180, "RateLimit-Reset " + reset);
            assertNull(upstream.received.poll(), "a limited request must not reach the upstream");
            assertEquals(200, send(c, "GET", "/healthz", "alice-key").status(), "the connection stays usable");
        }
    }

    @Test
    void readsAndWritesAndCallersAndUpstreamsCountApart() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, send(c, "DELETE", TRADE, "bob-key").status());
            }
            assertEquals(429, send(c, "DELETE", TRADE, "bob-key").status());
            for (int i = 0; i < 5; i++) {
                assertEquals(200, send(c, "GET", TRADE, "bob-key").status(), "reads have their own bucket");
            }
            assertEquals(429, send(c, "GET", TRADE, "bob-key").status());
            assertEquals(200, send(c, "DELETE", TRADE, "carol-key").status(), "another caller, another bucket");
            for (int i = 0; i < 10; i++) {
                assertEquals(200, send(c, "GET", "/v1/tasks/tsk_abcdefghij0123456789", "bob-key").status(),
                        "the task upstream is not limited here");
            }
        }
    }

    @Test
    void concurrentCallsOfOneCallerAreCountedExactly() throws Exception {
        int threads = 8;
        int perThread = 10;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger limited = new java.util.concurrent.atomic.AtomicInteger();
        try {
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    try (RawHttp c = new RawHttp(gateway.port())) {
                        for (int i = 0; i < perThread; i++) {
                            int status = send(c, "GET", "/v1/trades?accountId=ACC-00012345", "carol-key").status();
                            (status == 200 ? ok : limited).incrementAndGet();
                            assertTrue(status == 200 || status == 429, "status " + status);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(5, ok.get(), "exactly the burst gets through, across connections and event loops");
        assertEquals(threads * perThread - 5, limited.get());
    }
}
