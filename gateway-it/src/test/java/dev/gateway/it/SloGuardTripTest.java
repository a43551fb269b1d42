package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SLO guard on a real split: a canary that answers 500 to 3 of every 10 requests beside a stable target
 * that always answers 200, callers spread over both sides by their JWT subjects, and windows of at least 20
 * exchanges a side. Two bad windows in a row take the canary's weight to 0 and hold it there: every caller
 * goes to the stable target, a raise is refused until a person resumes the route, and a resumed route is
 * judged afresh. Sides that are equally healthy, or a canary healthier than the stable target, never trip it.
 *
 * <p>The p99 rule is kept out of the verdicts with a 1 s floor: these tests are about error rates, and on a
 * shared two-core machine the slowest of 20 loopback requests is scheduling noise.
 */
class SloGuardTripTest {
    private static final String TOKEN = "it-admin-token-0123456789";
    private static final String PREFIX = "/v1/trades";
    private static final String TRADE = "/v1/trades/trd_00000000000000000001";
    private static final int CALLERS = 40;
    /** More than enough for two windows of 20 a side at canary weight 50; a guard that never trips fails. */
    private static final int MAX_REQUESTS = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestUpstream canary;
    private TestUpstream stable;
    private DemoGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> tokens = new ArrayList<>();
    private final List<Boolean> onCanary = new ArrayList<>();
    private int next;

    @BeforeEach
    void upstreams() throws Exception {
        canary = new TestUpstream();
        stable = new TestUpstream();
        for (int i = 0; i < CALLERS; i++) {
            String subject = "guarded-" + i;
            tokens.add("Bearer " + Jwts.hs256("hs", Jwts.claims(subject, "trades:read").build()));
            onCanary.add(CallerBuckets.bucket("j:" + subject) < 5000);
        }
        long canaryCallers = onCanary.stream().filter(b -> b).count();
        assertTrue(canaryCallers >= 10 && canaryCallers <= 30, "both sides get callers: " + canaryCallers);
    }

    @AfterEach
    void close() {
        if (gateway != null) {
            gateway.close();
        }
        canary.close();
        stable.close();
    }

    /** Answers 500 to 3 of every 10 requests it receives (never 5 in a row: no ejection, no open breaker). */
    private static void failing(TestUpstream u, String stack) {
        AtomicInteger n = new AtomicInteger();
        u.responder = r -> n.getAndIncrement() % 10 < 3
                ? TestUpstream.json(HttpResponseStatus.INTERNAL_SERVER_ERROR, "{\"stack\":\"" + stack + "\"}")
                : TestUpstream.json(HttpResponseStatus.OK, "{\"stack\":\"" + stack + "\"}");
    }

    private static void healthy(TestUpstream u, String stack) {
        u.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"stack\":\"" + stack + "\"}");
    }

    private void start() throws Exception {
        gateway = TestGateway.startWithOwnCredentials("upstreams:\n"
                + "  trade: {endpoints: [" + canary.endpoint() + "]}\n"
                + "  task: {endpoints: [" + canary.endpoint() + "]}\n"
                + "  legacy: {endpoints: [" + stable.endpoint() + "], forwardCredentials: true}\n"
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, split: {stable: legacy, canaryWeight: 50}}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n"
                + "rateLimits: {trade: ~, task: ~}\n"
                + "auth:\n"
                + "  issuers: [" + Jwts.ISSUER + "]\n"
                + "  hmacKeys: {hs: " + Jwts.HMAC_SECRET + "}\n"
                + "migration:\n"
                + "  adminTokens: {ops: " + TOKEN + "}\n"
                + "  sloGuard: {minRequests: 20, windowsInRow: 2, errorRateMargin: 0.05, p99Floor: 1s}\n");
    }

    @Test
    void aFailingCanaryTripsTheGuardWhichHoldsEveryCallerOnTheStableTargetUntilResumed() throws Exception {
        failing(canary, "canary");
        healthy(stable, "stable");
        start();

        int sent = sendUntil(() -> metric("gateway_slo_guard_tripped", "prefix", PREFIX) == 1
                && metric("gateway_split_canary_weight_ratio", "prefix", PREFIX) == 0);
        assertTrue(canary.received.size() >= 20 && stable.received.size() >= 20,
                "both sides were judged: canary " + canary.received.size() + ", stable " + stable.received.size()
                        + " of " + sent);

        JsonNode status = migrationStatus();
        assertEquals(0.0, status.path("routes").path(PREFIX).path("split").path("canaryWeight").asDouble(-1),
                status.toString());
        assertEquals(List.of(PREFIX), List.of(JSON.treeToValue(status.path("held"), String[].class)), status.toString());
        JsonNode guard = guardOf(status);
        assertTrue(guard.path("tripped").asBoolean(), guard.toString());
        assertTrue(guard.path("reason").asText().contains("error rate"), guard.toString());
        assertTrue(guard.path("reason").asText().endsWith("2 windows in a row"), guard.toString());
        assertEquals(2, guard.path("windowsClosed").asInt(), "every window was bad: " + guard);
        assertEquals(2, guard.path("badWindowsInRow").asInt(), guard.toString());
        JsonNode last = guard.path("lastWindow");
        assertTrue(last.path("canaryRequests").asInt() >= 20 && last.path("stableRequests").asInt() >= 20, last.toString());
        assertTrue(last.path("canaryErrors").asInt() > 0, last.toString());
        assertEquals(0, last.path("stableErrors").asInt(), last.toString());
        assertEquals(1, metric("gateway_slo_guard_tripped", "prefix", PREFIX));
        assertEquals(1, metric("gateway_slo_guard_trips_total", "prefix", PREFIX));
        assertEquals(1, metric("gateway_migration_changes_total", "source", "slo_guard", "action", "hold"));

        // Every later request of every caller goes to the stable target.
        int canaryBefore = canary.received.size();
        double canarySideBefore = metric("gateway_split_requests_total", "prefix", PREFIX, "side", "canary");
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < CALLERS; i++) {
                assertEquals("stable", stackOf(send(i)), "caller " + i + " (bucket on the "
                        + (onCanary.get(i) ? "canary" : "stable") + " side) after the trip");
            }
        }
        assertEquals(canaryBefore, canary.received.size(), "nothing more reached the canary");
        assertEquals(canarySideBefore, metric("gateway_split_requests_total", "prefix", PREFIX, "side", "canary"));
        assertEquals(1, metric("gateway_slo_guard_trips_total", "prefix", PREFIX), "one trip, counted once");

        // A raise is refused while the route is held, for the route and for all routes.
        HttpResponse<String> raise = admin("/admin/migration/weight", "{\"prefix\":\"/v1/trades\",\"canaryWeight\":50}");
        assertEquals(400, raise.statusCode(), raise.body());
        assertTrue(raise.body().contains("held"), raise.body());
        assertEquals(400, admin("/admin/migration/weight", "{\"canaryWeight\":10}").statusCode());
        assertEquals(0, metric("gateway_split_canary_weight_ratio", "prefix", PREFIX));
        int canaryCaller = onCanary.indexOf(true);
        assertEquals("stable", stackOf(send(canaryCaller)));

        // Resumed: not held, the weight stays 0 until raised, and then the canary serves again.
        HttpResponse<String> resumed = admin("/admin/migration/resume", "{\"prefix\":\"/v1/trades\"}");
        assertEquals(200, resumed.statusCode(), resumed.body());
        assertTrue(resumed.body().contains("resumed"), resumed.body());
        assertEquals(0, metric("gateway_slo_guard_tripped", "prefix", PREFIX));
        status = migrationStatus();
        assertEquals(0, status.path("held").size(), status.toString());
        assertFalse(guardOf(status).path("tripped").asBoolean(), status.toString());
        assertEquals(0, metric("gateway_split_canary_weight_ratio", "prefix", PREFIX));
        assertEquals("stable", stackOf(send(canaryCaller)), "resuming raises nothing by itself");
        HttpResponse<String> raised = admin("/admin/migration/weight", "{\"prefix\":\"/v1/trades\",\"canaryWeight\":50}");
        assertEquals(200, raised.statusCode(), raised.body());
        assertEquals(0.5, metric("gateway_split_canary_weight_ratio", "prefix", PREFIX));
        assertEquals("canary", stackOf(send(canaryCaller)));

        // ... and is judged afresh: the canary, still failing, trips it again after two more bad windows.
        int canaryAtResume = canary.received.size();
        sendUntil(() -> metric("gateway_slo_guard_trips_total", "prefix", PREFIX) == 2
                && metric("gateway_split_canary_weight_ratio", "prefix", PREFIX) == 0);
        assertTrue(canary.received.size() - canaryAtResume >= 40, "two new windows of 20 canary requests: "
                + (canary.received.size() - canaryAtResume));
        assertEquals(1, metric("gateway_slo_guard_tripped", "prefix", PREFIX));
        assertEquals(2, guardOf(migrationStatus()).path("windowsClosed").asInt());
    }

    @Test
    void equallyHealthySidesNeverTripTheGuard() throws Exception {
        healthy(canary, "canary");
        healthy(stable, "stable");
        start();
        assertNotTrippedAfterManyWindows();
    }

    /** Only a canary worse than the stable target trips it: a stable target that fails more does not. */
    @Test
    void aCanaryHealthierThanTheStableTargetNeverTripsTheGuard() throws Exception {
        healthy(canary, "canary");
        failing(stable, "stable");
        start();
        assertNotTrippedAfterManyWindows();
        JsonNode last = guardOf(migrationStatus()).path("lastWindow");
        assertTrue(last.path("stableErrors").asInt() > 0, "the stable target did fail: " + last);
    }

    private void assertNotTrippedAfterManyWindows() throws Exception {
        int windows = 10;
        sendUntil(() -> {
            JsonNode g = guardOf(migrationStatus());
            return g.path("windowsClosed").asInt() >= windows || g.path("tripped").asBoolean();
        });
        JsonNode status = migrationStatus();
        JsonNode guard = guardOf(status);
        assertFalse(guard.path("tripped").asBoolean(), guard.toString());
        assertTrue(guard.path("reason").isNull(), guard.toString());
        assertFalse(guard.path("lastWindow").path("badBecause").asText("").contains("error rate"),
                "the canary's error rate is never the worse: " + guard);
        assertEquals(0, guard.path("lastWindow").path("canaryErrors").asInt(), guard.toString());
        assertEquals(0, status.path("held").size(), status.toString());
        assertEquals(50.0, status.path("routes").path(PREFIX).path("split").path("canaryWeight").asDouble(-1));
        assertEquals(0.5, metric("gateway_split_canary_weight_ratio", "prefix", PREFIX));
        assertEquals(0, metric("gateway_slo_guard_trips_total", "prefix", PREFIX));
        assertEquals(0, metric("gateway_slo_guard_tripped", "prefix", PREFIX));
        assertEquals(0, metric("gateway_migration_changes_total", "source", "slo_guard", "action", "hold"));
        int canaryCaller = onCanary.indexOf(true);
        assertEquals("canary", stackOf(send(canaryCaller)), "the canary still serves its callers");
    }

    /**
     * Sends requests, each caller in turn, until {@code done} holds; fails after {@link #MAX_REQUESTS}.
     *
     * @return how many were sent
     */
    private int sendUntil(Poll.Condition done) throws Exception {
        for (int sent = 0; sent < MAX_REQUESTS; sent++) {
            if (done.holds()) {
                return sent;
            }
            int caller = next++ % CALLERS;
            HttpResponse<String> r = send(caller);
            int status = r.statusCode();
            assertTrue(status == 200 || status == 500, "caller " + caller + ": " + status + " " + r.body());
        }
        if (done.holds()) {
            return MAX_REQUESTS;
        }
        throw new AssertionError("not after " + MAX_REQUESTS + " requests; the guard: " + migrationStatus());
    }

    private HttpResponse<String> send(int caller) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().port() + TRADE))
                .header("Authorization", tokens.get(caller)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String stackOf(HttpResponse<String> r) {
        return r.body().contains("\"canary\"") ? "canary" : r.body().contains("\"stable\"") ? "stable"
                : r.statusCode() + " " + r.body();
    }

    private HttpResponse<String> admin(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().adminPort() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode migrationStatus() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.gateway().adminPort() + "/admin/migration")).header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** The guard's entry for /v1/trades in GET /admin/migration. */
    private static JsonNode guardOf(JsonNode status) {
        for (JsonNode g : status.path("status").path("sloGuard")) {
            if (g.path("route").asText().equals(PREFIX)) {
                return g;
            }
        }
        throw new AssertionError("no SLO guard status for " + PREFIX + ": " + status);
    }

    private double metric(String name, String... labels) {
        return Samples.of(gateway, name, labels);
    }
}
