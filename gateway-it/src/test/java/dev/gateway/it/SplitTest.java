package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.core.split.CallerBuckets;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sticky weighted split between the route's own upstream (the canary) and a stable target, the
 * tester's override, the stable target's header policy, and run-time changes through the admin API:
 * real sockets, two real upstreams that say which they are, the real HTTP client.
 */
class SplitTest {
    private static final String TOKEN = "it-admin-token-0123456789";
    private static final String STABLE_KEY = "it-key";
    private static final String TRADE = "/v1/trades/trd_00000000000000000001";

    private TestUpstream canary;
    private TestUpstream stable;
    private DemoGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void upstreams() throws Exception {
        canary = new TestUpstream();
        canary.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"stack\":\"canary\"}");
        stable = new TestUpstream();
        stable.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"stack\":\"stable\"}");
    }

    @AfterEach
    void close() {
        if (gateway != null) {
            gateway.close();
        }
        canary.close();
        stable.close();
    }

    private void start(double canaryWeight) throws Exception {
        gateway = TestGateway.startWithOwnCredentials("upstreams:\n"
                + "  trade: {endpoints: [" + canary.endpoint() + "]}\n"
                + "  task: {endpoints: [" + canary.endpoint() + "]}\n"
                + "  legacy: {endpoints: [" + stable.endpoint() + "], forwardCredentials: true}\n"
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, split: {stable: legacy, canaryWeight: " + canaryWeight
                + "}}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n"
                + "rateLimits: {trade: ~, task: ~}\n"
                + "auth:\n"
                + "  issuers: [" + Jwts.ISSUER + "]\n"
                + "  hmacKeys: {hs: " + Jwts.HMAC_SECRET + "}\n"
                + "  apiKeys: {it: {sha256: 1ce48051b5830d59881cbf51500faa5f5e9d446050458f760bc96cda647be67e,"
                + " scopes: [trades:read, trades:write, tasks:read, tasks:write]}}\n"
                + "migration: {adminTokens: {ops: " + TOKEN + "}}\n");
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().port() + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().adminPort()
                + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String bearer(String subject, String scopes) {
        return "Bearer " + Jwts.hs256("hs", Jwts.claims(subject, scopes).build());
    }

    private static String stackOf(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return r.body().contains("\"canary\"") ? "canary" : r.body().contains("\"stable\"") ? "stable" : r.body();
    }

    @Test
    void eachCallerLandsWhereItsBucketSaysOnEveryRequest() throws Exception {
        start(30);
        int onCanary = 0;
        for (int i = 0; i < 120; i++) {
            String subject = "trader-" + i;
            boolean expectCanary = CallerBuckets.bucket("j:" + subject) < 3000;
            String token = bearer(subject, "trades:read");
            for (int n = 0; n < 3; n++) {
                assertEquals(expectCanary ? "canary" : "stable",
                        stackOf(get(TRADE, "Authorization", token)), subject + " request " + n);
            }
            onCanary += expectCanary ? 1 : 0;
        }
        assertTrue(onCanary > 15 && onCanary < 60, "about 30 % of 120 callers on the canary, got " + onCanary);
        // An API key's name is its identity.
        boolean keyOnCanary = CallerBuckets.bucket("k:it") < 3000;
        assertEquals(keyOnCanary ? "canary" : "stable", stackOf(get(TRADE, "X-API-Key", STABLE_KEY)));
        // A route without a split is not touched.
        assertEquals("canary", stackOf(get("/v1/tasks/tsk_00000000000000000001", "X-API-Key", STABLE_KEY)));
    }

    @Test
    void raisingTheWeightNeverMovesACallerBack() throws Exception {
        start(10);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            tokens.add(bearer("raise-" + i, "trades:read"));
        }
        List<String> before = new ArrayList<>();
        for (String t : tokens) {
            before.add(stackOf(get(TRADE, "Authorization", t)));
        }
        assertEquals(200, admin("POST", "/admin/migration/weight", "{\"prefix\":\"/v1/trades\",\"canaryWeight\":60}",
                TOKEN).statusCode());
        int moved = 0;
        for (int i = 0; i < tokens.size(); i++) {
            String after = stackOf(get(TRADE, "Authorization", tokens.get(i)));
            if (before.get(i).equals("canary")) {
                assertEquals("canary", after, "a canary caller stays on the canary when the weight rises");
            } else if (after.equals("canary")) {
                moved++;
            }
        }
        assertTrue(moved > 0, "raising 10 % -> 60 % moves some of 60 callers to the canary");
    }

    @Test
    void theOverrideIsHonouredOnlyWithItsScopeAndNeverForwarded() throws Exception {
        start(100);
        String tester = bearer("tester", "trades:read gateway:target");
        String other = bearer("someone", "trades:read");
        assertEquals("stable", stackOf(get(TRADE, "Authorization", tester, "X-Gateway-Target", "stable")));
        assertEquals("canary", stackOf(get(TRADE, "Authorization", other, "X-Gateway-Target", "stable")),
                "without the scope the header is ignored");
        assertEquals("canary", stackOf(get(TRADE, "Authorization", tester, "X-Gateway-Target", "nonsense")));
        assertEquals("canary", stackOf(get(TRADE, "Authorization", tester, "X_Gateway_Target", "stable")));
        for (TestUpstream u : List.of(canary, stable)) {
            for (TestUpstream.Recorded r : u.received) {
                assertFalse(r.headers().contains("x-gateway-target"), "forwarded: " + r.headers());
                assertFalse(r.headers().contains("x_gateway_target"), "look-alike forwarded: " + r.headers());
            }
        }
    }

    @Test
    void theStableTargetGetsTheCallersCredentialsAndNoIdentityHeaders() throws Exception {
        start(0);
        String token = bearer("alice", "trades:read");
        assertEquals("stable", stackOf(get(TRADE, "Authorization", token, "X-Auth-Subject", "mallory")));
        TestUpstream.Recorded r = stable.received.poll();
        assertEquals(token, r.headers().get("authorization"));
        assertNull(r.headers().get("x-auth-subject"), "no identity header, and never the client's");
        assertNull(r.headers().get("x-auth-scopes"));
        assertEquals(1, r.headers().getAll("x-request-id").size());

        assertEquals(200, admin("POST", "/admin/migration/weight", "{\"canaryWeight\":100}", TOKEN).statusCode());
        assertEquals("canary", stackOf(get(TRADE, "Authorization", token, "X-Auth-Subject", "mallory")));
        TestUpstream.Recorded c = canary.received.poll();
        assertNull(c.headers().get("authorization"), "the new stack gets identity headers, not credentials");
        assertEquals("alice", c.headers().get("x-auth-subject"));
    }

    @Test
    void adminChangesNeedAKnownTokenAndValidInput() throws Exception {
        start(50);
        assertEquals(401, admin("POST", "/admin/migration/rollback", null, null).statusCode());
        assertEquals(401, admin("POST", "/admin/migration/rollback", null, TOKEN + "x").statusCode());
        assertEquals(401, admin("GET", "/admin/migration", null, "short").statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"canaryWeight\":101}", TOKEN).statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"canaryWeight\":\"ten\"}", TOKEN).statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "not json", TOKEN).statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"prefix\":\"/v1/tasks\",\"canaryWeight\":5}",
                TOKEN).statusCode(), "a route without a split");
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"prefix\":\"/nope\",\"canaryWeight\":5}",
                TOKEN).statusCode());
        assertEquals(405, admin("GET", "/admin/migration/rollback", null, TOKEN).statusCode());
        assertEquals(404, admin("GET", "/admin/nothing", null, TOKEN).statusCode());
        HttpResponse<String> plan = admin("GET", "/admin/migration", null, TOKEN);
        assertEquals(200, plan.statusCode());
        assertTrue(plan.body().contains("\"canaryWeight\":50.0"), plan.body());
        // Metrics and probes stay open.
        assertEquals(200, admin("GET", "/metrics", null, null).statusCode());
        String metrics = admin("GET", "/metrics", null, null).body();
        assertTrue(metrics.contains("gateway_split_canary_weight_ratio{prefix=\"/v1/trades\",} 0.5"), metrics);
    }

    @Test
    void hostileAdminInputGetsClearErrorsAndChangesNothing() throws Exception {
        start(50);
        String big = "{\"canaryWeight\":1,\"pad\":\"" + "x".repeat(8000) + "\"}";
        HttpResponse<String> tooBig = admin("POST", "/admin/migration/weight", big, TOKEN);
        assertEquals(413, tooBig.statusCode());
        assertTrue(tooBig.body().contains("\"code\":\"PAYLOAD_TOO_LARGE\""), tooBig.body());
        assertEquals(400, admin("POST", "/admin/migration/weight", "[1,2]", TOKEN).statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"prefix\":7,\"canaryWeight\":1}", TOKEN)
                .statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"canaryWeight\":-0.01}", TOKEN).statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"canaryWeight\":1e400}", TOKEN).statusCode());
        assertEquals(400, admin("POST", "/admin/migration/resume", "{}", TOKEN).statusCode());
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"canaryWeight\":1} {\"canaryWeight\":2}", TOKEN)
                .statusCode(), "nothing after the object");
        assertEquals(400, admin("POST", "/admin/migration/weight", "{\"canaryWeight\":1,\"canaryWeight\":2}", TOKEN)
                .statusCode(), "each member once");
        assertEquals(401, admin("GET", "/admin/migration", null, "").statusCode());
        assertEquals(401, admin("GET", "/admin/diffs", null, TOKEN.toUpperCase()).statusCode());
        HttpResponse<String> plan = admin("GET", "/admin/migration", null, TOKEN);
        assertTrue(plan.body().contains("\"canaryWeight\":50.0"), "nothing changed: " + plan.body());
        // The scheme is case-insensitive (RFC 9110 §11.1).
        HttpResponse<String> lower = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.gateway().adminPort() + "/admin/migration")).header("Authorization", "bearer " + TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, lower.statusCode());
    }

    /** Whoever reaches the admin port cannot hold more than a few of the process's connections. */
    @Test
    void theAdminListenerHoldsAtMostItsCapOfConnections() throws Exception {
        start(50);
        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) {
                held.add(new RawHttp(gateway.gateway().adminPort()).send("GET /metr")); // half a request line each
            }
            try (RawHttp over = new RawHttp(gateway.gateway().adminPort())) {
                assertTrue(over.closedByServer(), "the 65th connection is closed at once");
            }
        } finally {
            for (RawHttp r : held) {
                r.close();
            }
        }
        Poll.until(Duration.ofSeconds(10), "the admin listener serves again",
                () -> admin("GET", "/admin/migration", null, TOKEN).statusCode() == 200);
        assertEquals(200, admin("GET", "/metrics", null, null).statusCode());
    }

    /**
     * Rollback under load: keep-alive clients on several connections send without pause; every request
     * sent 100 ms or more after the admin call returned is answered by the stable target, and no request
     * fails.
     */
    @Test
    void rollbackTakesEveryLaterRequestToTheStableTargetWithoutErrors() throws Exception {
        start(100);
        int workers = 8;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong rollbackDone = new AtomicLong(Long.MAX_VALUE);
        AtomicLong sentAfter = new AtomicLong();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        CountDownLatch warm = new CountDownLatch(workers);
        String token = bearer("load", "trades:read");
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> {
                HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                int n = 0;
                while (!stop.get()) {
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> r = own.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + gateway.gateway().port() + TRADE)).header("Authorization", token)
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            problems.add("status " + r.statusCode() + ": " + r.body());
                        } else if (sent - rollbackDone.get() >= 100_000_000L) {
                            sentAfter.incrementAndGet();
                            if (!r.body().contains("\"stable\"")) {
                                problems.add("sent " + (sent - rollbackDone.get()) / 1_000_000 + " ms after the "
                                        + "rollback returned, answered by " + r.body());
                            }
                        }
                    } catch (Exception e) {
                        problems.add(e.toString());
                    }
                    if (++n == 20) {
                        warm.countDown();
                    }
                }
            }, "rollback-load-" + w);
            t.start();
            threads.add(t);
        }
        warm.await();
        HttpResponse<String> r = admin("POST", "/admin/migration/rollback", null, TOKEN);
        rollbackDone.set(System.nanoTime());
        assertEquals(200, r.statusCode(), r.body());
        Poll.until(Duration.ofSeconds(30), "2,000 requests sent 100 ms after the rollback", () -> sentAfter.get() >= 2000);
        stop.set(true);
        for (Thread t : threads) {
            t.join(15_000);
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + problems.peek());
        assertTrue(canary.received.size() > 0, "the canary served before the rollback");
    }
}
