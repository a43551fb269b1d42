package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shadow traffic against real upstreams: the caller sees only the primary's answer, the copy is marked
 * and framed for its target, differences are found, a field that differs between two answers of one
 * stack is learnt as noise, an ignore rule silences a known difference, and a shadow target that is down
 * or slow changes nothing for the caller.
 */
class ShadowTest {
    private static final String TOKEN = "it-admin-token-0123456789";
    private static final String TRADE = "/v1/trades/trd_00000000000000000001";

    private TestUpstream primary;
    private TestUpstream shadow;
    private DemoGateway gateway;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicInteger primaryPrice = new AtomicInteger(10);
    private final AtomicInteger shadowPrice = new AtomicInteger(11);

    @BeforeEach
    void upstreams() throws Exception {
        primary = new TestUpstream();
        primary.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"price\":" + primaryPrice.get()
                + ",\"nonce\":\"" + UUID.randomUUID() + "\",\"traceId\":\"p\"}");
        shadow = new TestUpstream();
        shadow.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"price\":" + shadowPrice.get()
                + ",\"nonce\":\"" + UUID.randomUUID() + "\",\"traceId\":\"s\"}");
    }

    @AfterEach
    void close() {
        if (gateway != null) {
            gateway.close();
        }
        primary.close();
        shadow.close();
    }

    private void start(String shadowEndpoint, String shadowSettings) throws Exception {
        gateway = TestGateway.start("upstreams:\n"
                + "  trade: {endpoints: [" + primary.endpoint() + "]}\n"
                + "  task: {endpoints: [" + primary.endpoint() + "]}\n"
                + "  legacy: {endpoints: [" + shadowEndpoint + "], forwardCredentials: true}\n"
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, shadow: {target: legacy, percent: 100" + shadowSettings
                + "}}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n"
                + "migration: {adminTokens: {ops: " + TOKEN + "}}\n");
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().port() + path))
                .header("X-API-Key", "it-key").timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String admin(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.gateway().adminPort() + path))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private double metric(String name, String... labels) {
        return Samples.of(gateway, name, labels);
    }

    private double compared() {
        return metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate", "result", "same")
                + metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate", "result",
                "different");
    }

    @Test
    void theCallerSeesThePrimaryAndTheDifferenceIsFound() throws Exception {
        start(shadow.endpoint(), ", baselinePercent: 0, ignore: [/traceId, /nonce]");
        HttpResponse<String> r = get(TRADE, "X-Gateway-Shadow", "forged");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"price\":10"), r.body());
        Poll.until(Duration.ofSeconds(10), "the comparison made", () -> compared() == 1);
        assertEquals(1, metric("gateway_shadow_differences_total", "prefix", "/v1/trades", "kind", "body"));

        TestUpstream.Recorded toPrimary = primary.received.poll();
        TestUpstream.Recorded copy = shadow.received.poll();
        assertNull(toPrimary.headers().get("x-gateway-shadow"), "a client cannot mark its own request");
        assertEquals("1", copy.headers().get("x-gateway-shadow"));
        assertEquals(shadow.endpoint(), copy.headers().get("host"));
        assertEquals("it-key", copy.headers().get("x-api-key"), "the old stack authenticates the copy itself");
        assertNull(toPrimary.headers().get("x-api-key"));
        assertEquals(toPrimary.headers().get("x-request-id"), copy.headers().get("x-request-id"));

        String diffs = admin("/admin/diffs?limit=5");
        assertTrue(diffs.contains("\"path\":\"/price\""), diffs);
        assertFalse(diffs.contains("it-key"), "credentials never in samples: " + diffs);
    }

    @Test
    void aFieldThatDiffersWithinOneStackIsNoiseAndARealChangeIsStillReported() throws Exception {
        start(shadow.endpoint(), ", baselinePercent: 100, ignore: [/traceId]");
        int n = 60;
        for (int i = 0; i < n; i++) {
            assertEquals(200, get(TRADE).statusCode());
        }
        Poll.until(Duration.ofSeconds(20), "all compared", () -> compared() == n);
        String diffs = admin("/admin/diffs?limit=1");
        assertTrue(diffs.contains("\"path\":\"/price\""), diffs);
        assertFalse(diffs.substring(0, diffs.indexOf("\"noise\"")).contains("\"path\":\"/nonce\""),
                "a random id is noise once the baseline has shown it: " + diffs);
        assertEquals(n, metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "baseline",
                "result", "different"), "two answers of one stack differ in their nonce");
    }

    @Test
    void aKnownDifferenceIgnoredByARuleIsNotReported() throws Exception {
        shadowPrice.set(10);
        start(shadow.endpoint(), ", baselinePercent: 0, ignore: [/traceId, /nonce]");
        assertEquals(200, get(TRADE).statusCode());
        Poll.until(Duration.ofSeconds(10), "the comparison made", () -> compared() == 1);
        assertEquals(1, metric("gateway_shadow_comparisons_total", "prefix", "/v1/trades", "kind", "candidate",
                "result", "same"));
    }

    @Test
    void aShadowTargetThatIsDownOrSlowChangesNothingForTheCaller() throws Exception {
        SilentUpstream slow = new SilentUpstream();
        try {
            start("127.0.0.1:" + slow.port(), ", timeout: 200ms, baselinePercent: 0");
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = get(TRADE);
                assertEquals(200, r.statusCode());
                assertTrue(r.body().contains("\"price\":10"));
            }
            Poll.until(Duration.ofSeconds(10), "the copies given up",
                    () -> metric("gateway_shadow_requests_total", "prefix", "/v1/trades", "outcome", "timeout") == 5);
        } finally {
            slow.close();
        }
    }

    /**
     * A copied write whose client leaves half-way through its body: the copy holds half a body (retained
     * duplicates of the primary's buffers) and is given up with the exchange; every buffer goes back (the
     * leak detector is paranoid in these tests).
     */
    @Test
    void aCopyOfABodyTheClientAbandonsIsGivenUpAndReleased() throws Exception {
        // An upload streams its body through (a JSON body would be held until whole, and never copied in part).
        gateway = TestGateway.start("upstreams:\n"
                + "  trade: {endpoints: [" + primary.endpoint() + "]}\n"
                + "  task: {endpoints: [" + primary.endpoint() + "]}\n"
                + "  legacy: {endpoints: [" + shadow.endpoint() + "], forwardCredentials: true}\n"
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade}\n"
                + "  - {prefix: /v1/tasks, upstream: task, shadow: {target: legacy, percent: 100, writes: true,"
                + " baselinePercent: 0}}\n");
        String head = "PUT /v1/tasks/tsk_00000000000000000001/artifacts/report.bin HTTP/1.1\r\nHost: x\r\n"
                + "X-API-Key: it-key\r\nContent-Type: application/octet-stream\r\nContent-Length: 4000\r\n\r\n";
        try (RawHttp raw = new RawHttp(gateway.gateway().port())) {
            raw.send(head + "x".repeat(1500));
            Poll.until(Duration.ofSeconds(10), "the exchange under way", () -> gateway.gateway().inFlight() == 1);
        } // the client leaves with 2,500 bytes of its body unsent
        Poll.until(Duration.ofSeconds(10), "the copy given up", () -> metric("gateway_shadow_requests_total",
                "prefix", "/v1/tasks", "outcome", "abandoned") == 1);
        Poll.until(Duration.ofSeconds(10), "the exchange over", () -> gateway.gateway().inFlight() == 0);
        assertEquals(1, metric("gateway_shadow_comparisons_total", "prefix", "/v1/tasks", "kind", "candidate",
                "result", "not_compared"), "the session ends once, whoever reports last");
        // The gateway goes on serving, copies included.
        assertEquals(200, get("/v1/tasks/tsk_00000000000000000001").statusCode());
        Poll.until(Duration.ofSeconds(10), "the next copy answered", () -> metric("gateway_shadow_requests_total",
                "prefix", "/v1/tasks", "outcome", "answered") == 1);
    }

    @Test
    void writesAreNotCopiedUnlessTheRouteSaysSo() throws Exception {
        start(shadow.endpoint(), "");
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.gateway().port() + TRADE)).header("X-API-Key", "it-key").DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() < 500, r.body());
        assertEquals(1, metric("gateway_shadow_requests_total", "prefix", "/v1/trades", "outcome", "skipped_write"));
        assertTrue(shadow.received.isEmpty());
    }
}
