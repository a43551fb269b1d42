package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The migration against the real old gateway: the new gateway in process, an upstream {@code legacy} that
 * is the old Node gateway ({@link LegacyGateway}) with {@code forwardCredentials}, and one
 * {@link TestUpstream} behind both stacks that says which way each request came. The old gateway shares
 * the tests' HS256 secret and API key, so one credential works on both stacks, and it authenticates the
 * callers the new gateway passes on to it by itself.
 *
 * <p>How a request came is read off what the upstream received: the old gateway sends
 * {@code X-Forwarded-Port} (http-proxy's {@code xfwd}), which the new gateway does not send (LEGACY.md asks
 * for {@code X-Forwarded-For}, {@code -Proto} and {@code -Host} only). That, and the {@code RateLimit-*}
 * headers the old gateway adds to every answer it proxies, are the real differences between the two stacks
 * the shadow tests compare.
 */
class LegacyMigrationTest {
    private static final String TOKEN = "it-admin-token-0123456789";
    private static final String API_KEY = "it-key";
    private static final String KEY_HASH = Hashing.sha256(API_KEY.getBytes(StandardCharsets.UTF_8));
    private static final String SCOPES = "trades:read,trades:write,tasks:read,tasks:write";
    private static final String TRADE = "/v1/trades/trd_00000000000000000001";
    /** The old gateway's per-caller rate, which it states in {@code RateLimit-Limit} on every answer. */
    private static final String LEGACY_RATE = "100000";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestUpstream upstream;
    private static LegacyGateway legacy;

    private DemoGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void oldStack() throws Exception {
        upstream = new TestUpstream();
        String url = "http://" + upstream.endpoint();
        // API_KEYS is name:sha256hex:scope,scope: the key it-key, named "it" as in the new gateway's config.
        legacy = LegacyGateway.start(url, url, Map.of("JWT_SECRET", Jwts.HMAC_SECRET,
                "API_KEYS", "it:" + KEY_HASH + ":" + SCOPES, "RATE", LEGACY_RATE));
    }

    @AfterAll
    static void stopOldStack() {
        if (legacy != null) {
            legacy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    void freshUpstream() {
        upstream.received.clear();
        upstream.responder = tagged();
    }

    @AfterEach
    void close() {
        if (gateway != null) {
            gateway.close();
        }
    }

    // ---- the weighted split through the old gateway ----

    @Test
    void atWeightZeroCallersGoThroughTheOldGatewayWhichAuthenticatesThemWithTheCredentialsPassedOn() throws Exception {
        startSplit(0);
        String token = bearer("trader-legacy-1", "trades:read");
        HttpResponse<String> r = get(TRADE, "Authorization", token, "X-Auth-Subject", "mallory");
        assertEquals("legacy", via(r), shown(r));
        String requestId = r.headers().firstValue("x-request-id").orElse(null);
        assertNotNull(requestId);
        assertTrue(requestId.matches("[0-9A-Z]{26}"), "the new gateway's own id (a ULID), not one the client sent: "
                + requestId);

        TestUpstream.Recorded seen = arrived();
        assertEquals(String.valueOf(legacy.port()), seen.headers().get("x-forwarded-port"),
                "came through the old gateway's listener");
        assertEquals(List.of("trader-legacy-1"), seen.headers().getAll("x-auth-subject"),
                "the old gateway verified the token the new one passed on (and the client's X-Auth-Subject went)");
        assertEquals(List.of("jwt"), seen.headers().getAll("x-auth-method"));
        assertEquals(List.of("trades:read"), seen.headers().getAll("x-auth-scopes"));
        assertNull(seen.headers().get("authorization"), "the old gateway does not forward the token");
        assertEquals(List.of(requestId), seen.headers().getAll("x-request-id"),
                "the new gateway's request id reached the upstream through the old gateway, once and unchanged");

        HttpResponse<String> k = get(TRADE, "X-API-Key", API_KEY);
        assertEquals("legacy", via(k), shown(k));
        TestUpstream.Recorded byKey = arrived();
        assertEquals(List.of("it"), byKey.headers().getAll("x-auth-subject"), "the key's name on the old stack");
        assertEquals(List.of("apikey"), byKey.headers().getAll("x-auth-method"));
        assertNull(byKey.headers().get("x-api-key"));
        assertEquals(k.headers().firstValue("x-request-id").orElse(null), byKey.headers().get("x-request-id"));

        assertEquals(2, metric("gateway_split_requests_total", "prefix", "/v1/trades", "side", "stable"));
        assertEquals(0, metric("gateway_split_requests_total", "prefix", "/v1/trades", "side", "canary"));
    }

    @Test
    void raisingTheWeightTo100MovesTheCallerToTheDirectPathAndARollbackMovesItBack() throws Exception {
        startSplit(0);
        String token = bearer("trader-legacy-2", "trades:read");
        assertEquals("legacy", via(get(TRADE, "Authorization", token)));
        assertEquals("trader-legacy-2", arrived().headers().get("x-auth-subject"));

        HttpResponse<String> raised = admin("POST", "/admin/migration/weight",
                "{\"prefix\":\"/v1/trades\",\"canaryWeight\":100}");
        assertEquals(200, raised.statusCode(), raised.body());
        assertEquals(100.0, planWeight());
        assertEquals(1.0, metric("gateway_split_canary_weight_ratio", "prefix", "/v1/trades"));
        HttpResponse<String> direct = get(TRADE, "Authorization", token);
        assertEquals("direct", via(direct), shown(direct));
        TestUpstream.Recorded d = arrived();
        assertNull(d.headers().get("x-forwarded-port"), "not through the old gateway");
        assertEquals("trader-legacy-2", d.headers().get("x-auth-subject"), "the new gateway authenticated it");
        assertEquals("jwt", d.headers().get("x-auth-method"));
        assertNull(d.headers().get("authorization"), "the new stack gets identity headers, not credentials");
        assertEquals(direct.headers().firstValue("x-request-id").orElse(null), d.headers().get("x-request-id"));

        HttpResponse<String> back = admin("POST", "/admin/migration/rollback", null);
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(0.0, planWeight());
        assertEquals(0.0, metric("gateway_split_canary_weight_ratio", "prefix", "/v1/trades"));
        HttpResponse<String> again = get(TRADE, "Authorization", token);
        assertEquals("legacy", via(again), shown(again));
        TestUpstream.Recorded l = arrived();
        assertEquals(String.valueOf(legacy.port()), l.headers().get("x-forwarded-port"));
        assertEquals("trader-legacy-2", l.headers().get("x-auth-subject"));

        assertEquals(2, metric("gateway_split_requests_total", "prefix", "/v1/trades", "side", "stable"));
        assertEquals(1, metric("gateway_split_requests_total", "prefix", "/v1/trades", "side", "canary"));
        assertEquals(2, metric("gateway_migration_changes_total", "source", "admin", "action", "weight"),
                "the raise, and the rollback (a weight change of every split route)");
    }

    // ---- shadow traffic to the old gateway ----

    /**
     * The old gateway adds {@code RateLimit-Policy}, {@code -Limit}, {@code -Remaining} and {@code -Reset}
     * (express-rate-limit's draft-6 headers) to every answer it proxies; LEGACY.md has the gateway add only
     * {@code X-Request-Id}, and the new one sends them with a 429 only. Compared, the header is a
     * difference; not compared, the same two answers agree.
     */
    @Test
    void aHeaderTheOldGatewayAddsIsReportedWhenComparedAndSilencedWhenNot() throws Exception {
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"price\":10}");
        startShadow(", headers: [content-type, ratelimit-limit]");
        HttpResponse<String> r = get(TRADE, "X-API-Key", API_KEY);
        assertEquals(200, r.statusCode(), shown(r));
        assertTrue(r.headers().firstValue("ratelimit-limit").isEmpty(),
                "the new gateway's caller gets no RateLimit-Limit: " + shown(r));
        Poll.until(Duration.ofSeconds(10), "the comparison made", () -> compared() == 1);
        assertEquals(1, metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate",
                "result", "different"));
        assertEquals(1, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "header"));
        assertEquals(0, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "body"));
        JsonNode sample = onlySample();
        JsonNode d = onlyDifference(sample);
        assertEquals("HEADER", d.path("kind").asText(), d.toString());
        assertEquals("add", d.path("op").asText(), d.toString());
        assertEquals("/headers/ratelimit-limit", d.path("path").asText(), d.toString());
        assertEquals(LEGACY_RATE, d.path("value").asText(), d.toString());
        assertEquals(r.headers().firstValue("x-request-id").orElse(null), sample.path("requestId").asText());
        assertFalse(sample.toString().contains(API_KEY), "credentials never in samples: " + sample);

        gateway.close();
        gateway = null;
        startShadow(", headers: [content-type]");
        assertEquals(200, get(TRADE, "X-API-Key", API_KEY).statusCode());
        Poll.until(Duration.ofSeconds(10), "the comparison made", () -> compared() == 1);
        assertEquals(1, metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate",
                "result", "same"), "the old gateway's RateLimit-Limit is not compared: " + admin("GET",
                "/admin/diffs?limit=5", null).body());
        assertEquals(0, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "header"));
    }

    /**
     * An upstream that reflects the forwarding headers it got (as the old stack's own {@code upstream.js}
     * does) answers the two stacks differently, because the old gateway sends {@code X-Forwarded-Port}: a
     * body difference, which an {@code ignore} rule silences while a real change beside it is still found.
     */
    @Test
    void theOldGatewaysXForwardedPortReflectedInABodyIsSilencedByAnIgnoreRule() throws Exception {
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"price\":10,\"forwarded\":{\"port\":"
                + quoted(r.headers().get("x-forwarded-port")) + "}}");
        startShadow("");
        assertEquals(200, get(TRADE, "X-API-Key", API_KEY).statusCode());
        Poll.until(Duration.ofSeconds(10), "the comparison made", () -> compared() == 1);
        JsonNode d = onlyDifference(onlySample());
        assertEquals("BODY", d.path("kind").asText(), d.toString());
        assertEquals("replace", d.path("op").asText(), d.toString());
        assertEquals("/forwarded/port", d.path("path").asText(), d.toString());
        assertTrue(d.path("was").isNull(), "the new gateway sends none: " + d);
        assertEquals(String.valueOf(legacy.port()), d.path("value").asText(), d.toString());

        gateway.close();
        gateway = null;
        startShadow(", ignore: [/forwarded/port]");
        assertEquals(200, get(TRADE, "X-API-Key", API_KEY).statusCode());
        Poll.until(Duration.ofSeconds(10), "the comparison made", () -> compared() == 1);
        assertEquals(1, metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate",
                "result", "same"), admin("GET", "/admin/diffs?limit=5", null).body());
        assertEquals(0, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "body"));
    }

    /**
     * A field the upstream changes for requests that came through the old gateway (a price, say) is found
     * in every comparison and sampled with its RFC 6902 operation, while the caller only sees the new
     * stack's answer; the copy was authenticated by the old gateway with the caller's own key.
     */
    @Test
    void anInjectedFieldChangeIsFoundAndSampledWithItsPatchOperation() throws Exception {
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"tradeId\":\"trd_00000000000000000001\","
                + "\"price\":" + (r.headers().contains("x-forwarded-port") ? "10.5" : "10") + ",\"quantity\":100}");
        startShadow("");
        int n = 3;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = get(TRADE, "X-API-Key", API_KEY);
            assertEquals(200, r.statusCode(), shown(r));
            assertTrue(r.body().contains("\"price\":10,"), "the caller sees the primary's answer: " + r.body());
            ids.add(r.headers().firstValue("x-request-id").orElseThrow());
        }
        Poll.until(Duration.ofSeconds(10), "all compared", () -> compared() == n);
        assertEquals(n, metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate",
                "result", "different"));
        assertEquals(n, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "body"));
        assertEquals(0, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "header"));

        JsonNode samples = JSON.readTree(admin("GET", "/admin/diffs?limit=10", null).body()).path("samples");
        assertEquals(n, samples.size(), samples.toString());
        for (int i = 0; i < n; i++) {
            JsonNode s = samples.get(i);
            assertEquals(ids.get(n - 1 - i), s.path("requestId").asText(), "newest first: " + samples);
            assertEquals("candidate", s.path("comparison").asText());
            assertEquals("/v1/trades/{tradeId}", s.path("route").asText());
            assertEquals("/v1/trades", s.path("prefix").asText());
            assertEquals(TRADE, s.path("target").asText());
            JsonNode d = onlyDifference(s);
            assertEquals("BODY", d.path("kind").asText(), d.toString());
            assertEquals("replace", d.path("op").asText(), d.toString());
            assertEquals("/price", d.path("path").asText(), d.toString());
            assertEquals(10, d.path("was").asInt(), d.toString());
            assertEquals(10.5, d.path("value").asDouble(), d.toString());
            assertEquals(ids.get(n - 1 - i), s.path("candidate").path("headers").path("x-request-id").asText(),
                    "the old gateway answered with the new gateway's request id: " + s);
            assertFalse(s.toString().contains(API_KEY), "credentials never in samples: " + s);
        }

        // What the upstream got: each request once straight from the new gateway, once through the old one.
        Poll.until(Duration.ofSeconds(5), "both copies of each request upstream", () -> upstream.received.size() == 2 * n);
        int throughLegacy = 0;
        for (TestUpstream.Recorded r : upstream.received) {
            assertEquals("it", r.headers().get("x-auth-subject"));
            assertEquals("apikey", r.headers().get("x-auth-method"));
            assertNull(r.headers().get("x-api-key"));
            if (r.headers().contains("x-forwarded-port")) {
                throughLegacy++;
                assertEquals("1", r.headers().get("x-gateway-shadow"), "the copy is marked");
            } else {
                assertNull(r.headers().get("x-gateway-shadow"));
            }
        }
        assertEquals(n, throughLegacy);
    }

    /**
     * The old gateway passes an upstream's {@code Keep-Alive} header back to its caller; the new gateway
     * drops it, as LEGACY.md asks of hop-by-hop headers. So callers of the two stacks get different heads,
     * and a comparison of {@code keep-alive} reports it: the caller's side is the head as the new gateway
     * sends it, not the upstream's.
     */
    @Test
    void aHopByHopHeaderOnlyTheOldGatewayPassesOnIsReportedWhenCompared() throws Exception {
        upstream.responder = r -> {
            FullHttpResponse a = TestUpstream.json(HttpResponseStatus.OK, "{\"price\":10}");
            a.headers().set("keep-alive", "timeout=5");
            return a;
        };
        HttpResponse<String> old = client.send(HttpRequest.newBuilder(legacy.baseUri().resolve(TRADE))
                .header("X-API-Key", API_KEY).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("timeout=5", old.headers().firstValue("keep-alive").orElse(null),
                "the old gateway passes the upstream's Keep-Alive on: " + shown(old));
        startShadow(", headers: [content-type, keep-alive]");
        HttpResponse<String> r = get(TRADE, "X-API-Key", API_KEY);
        assertEquals(200, r.statusCode(), shown(r));
        assertTrue(r.headers().firstValue("keep-alive").isEmpty(), "the new gateway drops it: " + shown(r));
        Poll.until(Duration.ofSeconds(10), "the comparison made", () -> compared() == 1);
        assertEquals(1, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "header"),
                "what the callers of the two stacks got differs in keep-alive: " + admin("GET",
                "/admin/diffs?limit=5", null).body());
    }

    // ---- helpers ----

    private void startSplit(double canaryWeight) throws Exception {
        gateway = TestGateway.startWithOwnCredentials(upstreams()
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, split: {stable: legacy, canaryWeight: " + canaryWeight
                + "}}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n"
                + credentials());
    }

    /** A shadow of every read of /v1/trades to the old gateway, no baseline copies, and {@code settings}. */
    private void startShadow(String settings) throws Exception {
        gateway = TestGateway.startWithOwnCredentials(upstreams()
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, shadow: {target: legacy, percent: 100, baselinePercent: 0"
                + settings + "}}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n"
                + credentials());
    }

    private static String upstreams() {
        return "upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  legacy: {endpoints: [\"127.0.0.1:" + legacy.port() + "\"], forwardCredentials: true}\n";
    }

    /** The same HS256 secret and API key as the old gateway's; no rate limits. */
    private static String credentials() {
        return "rateLimits: {trade: ~, task: ~}\n"
                + "auth:\n"
                + "  issuers: [" + Jwts.ISSUER + "]\n"
                + "  hmacKeys: {hs: " + Jwts.HMAC_SECRET + "}\n"
                + "  apiKeys: {it: {sha256: " + KEY_HASH + ", scopes: [" + SCOPES.replace(",", ", ") + "]}}\n"
                + "migration: {adminTokens: {ops: " + TOKEN + "}}\n";
    }

    /** Answers that say whether the request came through the old gateway. */
    private static Function<TestUpstream.Recorded, FullHttpResponse> tagged() {
        return r -> TestUpstream.json(HttpResponseStatus.OK, "{\"via\":\""
                + (r.headers().contains("x-forwarded-port") ? "legacy" : "direct") + "\"}");
    }

    private static String via(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), shown(r));
        return r.body().contains("\"legacy\"") ? "legacy" : r.body().contains("\"direct\"") ? "direct" : r.body();
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    private static String bearer(String subject, String scopes) {
        return "Bearer " + Jwts.hs256("hs", Jwts.claims(subject, scopes).build());
    }

    /** The one request the upstream received since the last look. */
    private static TestUpstream.Recorded arrived() throws InterruptedException {
        TestUpstream.Recorded r = upstream.received.poll(5, TimeUnit.SECONDS);
        assertNotNull(r, "nothing reached the upstream; the old gateway's output:\n" + legacy.output());
        assertNull(upstream.received.poll(), "more than one request reached the upstream");
        return r;
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().port() + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().adminPort() + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The canary weight of /v1/trades as GET /admin/migration shows it. */
    private double planWeight() throws Exception {
        HttpResponse<String> r = admin("GET", "/admin/migration", null);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode w = JSON.readTree(r.body()).path("routes").path("/v1/trades").path("split").path("canaryWeight");
        assertTrue(w.isNumber(), r.body());
        return w.asDouble();
    }

    /** The newest sample of GET /admin/diffs, which must be the only one. */
    private JsonNode onlySample() throws Exception {
        String body = admin("GET", "/admin/diffs?limit=10", null).body();
        JsonNode samples = JSON.readTree(body).path("samples");
        assertEquals(1, samples.size(), body);
        return samples.get(0);
    }

    private static JsonNode onlyDifference(JsonNode sample) {
        JsonNode ds = sample.path("differences");
        assertEquals(1, ds.size(), "one difference expected: " + sample);
        assertEquals(1, sample.path("differenceCount").asInt(), sample.toString());
        return ds.get(0);
    }

    private double compared() {
        return metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate", "result", "same")
                + metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate", "result",
                "different");
    }

    private double metric(String name, String... labels) {
        return Samples.of(gateway, name, labels);
    }

    private static String shown(HttpResponse<String> r) {
        return r.statusCode() + " " + r.headers().map() + "\n" + r.body();
    }
}
