package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.core.ratelimit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits shared on Redis ({@code rateLimits.store: redis}), black box: three in-process gateway
 * replicas on one real redis-server, one caller spread round-robin across them. Together they admit what
 * one bucket would; a caller on one replica alone is admitted as the local limiter would admit it; and when
 * Redis crashes, every request is still answered (200 or 429), {@code gateway_rate_limit_store_up} says 0,
 * and after Redis's restart it says 1 and decisions are shared again.
 *
 * <p>The class is 50 requests a second with a burst of 10; leases are 2 tokens, so the limiter's stated
 * error bound ({@code 2 × replicas × leaseSize}, 12 requests) is within 5 % of what 10 s admit (510).
 */
class SharedRateLimitTest {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final int PER_SECOND = 50;
    private static final int BURST = 10;
    private static final int REPLICAS = 3;

    static RedisServer redis;
    static TestUpstream upstream;
    static final List<DemoGateway> gateways = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        upstream = new TestUpstream();
        String yaml = config(redis.port());
        for (int i = 0; i < REPLICAS; i++) {
            gateways.add(TestGateway.startWithOwnCredentials(yaml));
        }
        for (DemoGateway g : gateways) {
            // Served from the start, at 0 (before any request; the tests may run in either order).
            Exposition m = Exposition.scrape(g.adminPort());
            for (String series : List.of("gateway_rate_limit_decisions_total", "gateway_rate_limit_store_up",
                    "gateway_rate_limit_fallbacks_total", "gateway_rate_limit_store_duration_seconds_count")) {
                assertTrue(m.has(series), series + " is served");
            }
            assertEquals(4, m.find("gateway_rate_limit_decisions_total").size(), "every source and result");
            assertEquals(0, m.sum("gateway_rate_limit_decisions_total"));
            assertEquals(0, m.sum("gateway_rate_limit_fallbacks_total"));
            assertEquals(0, m.sum("gateway_rate_limit_store_duration_seconds_count"));
        }
    }

    /** Three API keys; trade reads limited at 50/s, burst 10, shared on the Redis at {@code port}. */
    private static String config(int port) {
        String scopes = "scopes: [trades:read, trades:write, tasks:read, tasks:write]";
        StringBuilder keys = new StringBuilder();
        for (String name : List.of("alice", "bob", "carol")) {
            keys.append("    ").append(name).append(": {sha256: ")
                    .append(Hashing.sha256(Hashing.ascii(name + "-key"))).append(", ").append(scopes).append("}\n");
        }
        return "upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "auth:\n  apiKeys:\n" + keys
                + "rateLimits:\n"
                + "  store: redis\n"
                // A generous timeout: on a busy two-core machine a slow answer must not count as Redis down.
                + "  redis: {address: '127.0.0.1:" + port + "', timeout: 1s, leaseSize: 2, "
                + "expectedReplicas: " + REPLICAS + ", probeInterval: 100ms}\n"
                + "  trade:\n"
                + "    read: {perSecond: " + PER_SECOND + ", burst: " + BURST + "}\n"
                + "    write: ~\n"
                + "  task: ~\n";
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.forEach(DemoGateway::close);
        if (upstream != null) {
            upstream.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static double metric(DemoGateway g, String name, String... labels) throws Exception {
        return Exposition.scrape(g.adminPort()).sum(name, labels);
    }

    private static void awaitStoreUp(double up) throws Exception {
        for (DemoGateway g : gateways) {
            Poll.until(Duration.ofSeconds(20), "gateway_rate_limit_store_up " + up,
                    () -> metric(g, "gateway_rate_limit_store_up") == up);
        }
    }

    /**
     * Sends GETs as {@code key} for {@code nanos}, one at a time, to {@code targets} in turn (one
     * keep-alive connection each), counting statuses.
     */
    private static Map<Integer, Long> drive(List<DemoGateway> targets, String key, long nanos) throws Exception {
        Map<Integer, Long> statuses = new TreeMap<>();
        List<RawHttp> connections = new ArrayList<>();
        try {
            for (DemoGateway g : targets) {
                connections.add(new RawHttp(g.port()));
            }
            long deadline = System.nanoTime() + nanos;
            for (long i = 0; System.nanoTime() - deadline < 0; i++) {
                int status = get(connections.get((int) (i % connections.size())), key);
                statuses.merge(status, 1L, Long::sum);
            }
        } finally {
            for (RawHttp c : connections) {
                c.close();
            }
        }
        return statuses;
    }

    private static int get(RawHttp c, String key) throws Exception {
        // RawHttp's 30 s read timeout is the net for a hang: a request left unanswered fails the test.
        return c.send("GET " + TRADE + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + key + "\r\n\r\n").read().status();
    }

    private static void assertAnsweredOnly(Map<Integer, Long> statuses) {
        for (int status : statuses.keySet()) {
            assertTrue(status == 200 || status == 429, "only 200 and 429: " + statuses);
        }
    }

    @Test
    void threeReplicasAdmitWhatOneBucketWouldAndOneAloneWhatTheLocalLimiterWould() throws Exception {
        awaitStoreUp(1);

        long seconds = 10;
        Map<Integer, Long> shared = drive(gateways, "alice-key", TimeUnit.SECONDS.toNanos(seconds));
        assertAnsweredOnly(shared);
        long ideal = PER_SECOND * seconds + BURST;
        long admitted = shared.getOrDefault(200, 0L);
        System.out.printf("shared, 3 replicas round-robin for %d s: %s; admitted %d, ideal %d (%+.1f %%)%n", seconds,
                shared, admitted, ideal, 100.0 * (admitted - ideal) / ideal);
        assertTrue(shared.getOrDefault(429, 0L) > admitted, "driven above the limit: " + shared);
        assertTrue(Math.abs(admitted - ideal) <= ideal * 0.05, "admitted " + admitted + ", ideal " + ideal);
        double fromLeases = 0;
        for (DemoGateway g : gateways) {
            fromLeases += metric(g, "gateway_rate_limit_decisions_total", "source", "lease", "result", "admitted");
        }
        assertTrue(fromLeases > 0, "some admissions were from leases");

        // One replica alone: the whole shared rate, as a local limiter would admit (not a third of it).
        long alone = 5;
        Map<Integer, Long> single = drive(gateways.subList(0, 1), "bob-key", TimeUnit.SECONDS.toNanos(alone));
        assertAnsweredOnly(single);
        long idealAlone = PER_SECOND * alone + BURST;
        long admittedAlone = single.getOrDefault(200, 0L);
        System.out.printf("shared, 1 replica alone for %d s: %s; admitted %d, ideal %d (%+.1f %%)%n", alone, single,
                admittedAlone, idealAlone, 100.0 * (admittedAlone - idealAlone) / idealAlone);
        assertTrue(Math.abs(admittedAlone - idealAlone) <= idealAlone * 0.05,
                "admitted " + admittedAlone + ", ideal " + idealAlone);
    }

    @Test
    void aCrashedRedisLeavesEveryRequestAnsweredAndSharedDecisionsResumeAfterItsRestart() throws Exception {
        awaitStoreUp(1);
        AtomicBoolean stop = new AtomicBoolean();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
            try {
                List<RawHttp> connections = new ArrayList<>();
                for (DemoGateway g : gateways) {
                    connections.add(new RawHttp(g.port()));
                }
                try {
                    for (long i = 0; !stop.get(); i++) {
                        int status = get(connections.get((int) (i % connections.size())), "carol-key");
                        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                    }
                } finally {
                    for (RawHttp c : connections) {
                        c.close();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Poll.until(Duration.ofSeconds(20), "requests answered before the crash",
                    () -> statuses.getOrDefault(200, new LongAdder()).sum() > 0);
            redis.kill();
            awaitStoreUp(0);
            double fallbacks = 0;
            for (DemoGateway g : gateways) {
                fallbacks += metric(g, "gateway_rate_limit_fallbacks_total");
            }
            assertTrue(fallbacks >= REPLICAS, "each replica marked Redis down: " + fallbacks);
            long before = answered(statuses);
            Poll.until(Duration.ofSeconds(20), "requests answered while Redis is down",
                    () -> answered(statuses) > before + 100);

            double leaseAdmittedBefore = 0;
            for (DemoGateway g : gateways) {
                leaseAdmittedBefore += metric(g, "gateway_rate_limit_decisions_total", "source", "lease",
                        "result", "admitted");
            }
            redis.restart();
            awaitStoreUp(1);
            double fromLeases = leaseAdmittedBefore;
            Poll.until(Duration.ofSeconds(20), "admissions from leases again", () -> {
                double now = 0;
                for (DemoGateway g : gateways) {
                    now += metric(g, "gateway_rate_limit_decisions_total", "source", "lease", "result", "admitted");
                }
                return now > fromLeases;
            });
        } finally {
            stop.set(true);
            load.get(60, TimeUnit.SECONDS); // the load's own failure (a hang, a reset) fails the test here
        }
        Map<Integer, Long> seen = new TreeMap<>();
        statuses.forEach((s, n) -> seen.put(s, n.sum()));
        System.out.println("crash and restart under load: " + seen);
        assertAnsweredOnly(seen);
    }

    @Test
    void aGatewayStartsWithItsRedisDownAndSharesOnceRedisIsUp() throws Exception {
        try (RedisServer late = RedisServer.start()) {
            late.kill(); // its port, with nothing listening
            try (DemoGateway g = TestGateway.startWithOwnCredentials(config(late.port()));
                    RawHttp c = new RawHttp(g.port())) {
                assertEquals(0, metric(g, "gateway_rate_limit_store_up"));
                Map<Integer, Long> statuses = new TreeMap<>();
                for (int i = 0; i < 20; i++) {
                    statuses.merge(get(c, "alice-key"), 1L, Long::sum);
                }
                // The fallback alone: a third of the burst (ceil(10 / 3) = 4), then 429 but for a token that
                // came back meanwhile (one each 60 ms); every one the fallback's decision.
                assertAnsweredOnly(statuses);
                long admitted = statuses.getOrDefault(200, 0L);
                assertTrue(admitted >= 4 && statuses.getOrDefault(429, 0L) > 0, statuses.toString());
                assertEquals(admitted, metric(g, "gateway_rate_limit_decisions_total", "source", "fallback",
                        "result", "admitted"));
                assertEquals(0, metric(g, "gateway_rate_limit_decisions_total", "source", "lease"));

                late.restart();
                Poll.until(Duration.ofSeconds(20), "gateway_rate_limit_store_up 1",
                        () -> metric(g, "gateway_rate_limit_store_up") == 1);
                Poll.until(Duration.ofSeconds(20), "an admission from a lease", () -> {
                    get(c, "bob-key");
                    return metric(g, "gateway_rate_limit_decisions_total", "source", "lease", "result", "admitted") > 0;
                });
            }
        }
    }

    /**
     * The gateway as operators run it (its own process, its own logging settings): Redis unreachable at start,
     * then up, then crashed under requests and up again, is told once each, and Lettuce's line per
     * reconnect attempt (two a second through an outage) stays out of the log.
     */
    @Test
    void redisGoingDownAndComingBackIsLoggedOnceEachWithoutALinePerReconnectAttempt() throws Exception {
        try (RedisServer own = RedisServer.start()) {
            own.kill();
            String at = "rate limits' Redis at 127.0.0.1:" + own.port();
            try (GatewayProcess g = GatewayProcess.gatewayWithOwnCredentials(List.of("-Xmx64m"), config(own.port()));
                    RawHttp c = new RawHttp(g.port)) {
                Poll.until(Duration.ofSeconds(20), "the line saying Redis cannot be reached",
                        () -> g.outputSoFar().contains(at + " cannot be reached"));
                own.restart();
                Poll.until(Duration.ofSeconds(20), "the line saying Redis answers",
                        () -> count(g.outputSoFar(), at + " answers again") == 1);
                own.kill();
                // A refill finds it gone: requests keep coming until one does.
                Poll.until(Duration.ofSeconds(20), "the line saying Redis is down", () -> {
                    assertTrue(List.of(200, 429).contains(get(c, "alice-key")));
                    return g.outputSoFar().contains(at + " is down");
                });
                own.restart();
                Poll.until(Duration.ofSeconds(20), "the line saying Redis answers again",
                        () -> count(g.outputSoFar(), at + " answers again") == 2);
                String log = g.outputSoFar();
                assertEquals(1, count(log, at + " cannot be reached"), log);
                assertEquals(1, count(log, at + " is down"), log);
                assertFalse(log.contains("\"logger\":\"io.lettuce"), "no line of Lettuce's own:\n" + log);
            }
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static long answered(Map<Integer, LongAdder> statuses) {
        return statuses.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
