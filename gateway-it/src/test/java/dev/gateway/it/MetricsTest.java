package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin listener's {@code /metrics} after a mix of answers (proxied, refused at each stage, failed
 * upstream): checked by promtool, held to the series LEGACY.md fixes, and counted exactly.
 */
class MetricsTest {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final String TASK = "/v1/tasks/tsk_abcdefghij0123456789";
    private static final String KEY = "X-API-Key: it-key\r\n";
    /** Requests the test sends; the exposition is read once all of them have ended. */
    private static final int REQUESTS = 10;
    private static final String MALFORMED = "{\"oops";
    private static final String PLAIN_TEXT = "hello";

    private static TestUpstream upstream;
    private static DemoGateway gateway;
    private static Exposition metrics;
    /** Body bytes of the answers on the trade route (two proxied, one 429). */
    private static int tradeBodyBytes;

    @BeforeAll
    static void sendAMixAndScrape() throws Exception {
        upstream = new TestUpstream();
        upstream.responder = r -> r.uri().startsWith("/v1/tasks/")
                ? TestUpstream.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{}")
                : TestUpstream.json(HttpResponseStatus.OK, "{\"ok\":true}");
        String auth = TestGateway.CREDENTIALS.lines().findFirst().orElseThrow();
        gateway = TestGateway.startWithOwnCredentials(auth + "\n"
                + "rateLimits: {trade: {read: {perSecond: 0.001, burst: 2}, write: ~}, task: ~}\n"
                + "upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "], retries: {maxRetries: 0}}\n"
                + "  legacy: {endpoints: [" + upstream.endpoint() + "], forwardCredentials: true}\n"
                // A split everyone is on the canary side of, and a shadow that copies nothing: the migration
                // series are served from the start, as the ops kit's queries expect.
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, totalTimeout: 5s, split: {stable: legacy, canaryWeight: 100},"
                + " shadow: {target: legacy, percent: 0}}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n"
                + "operations: {getTask: {responseValidation: log}}\n");
        tradeBodyBytes += expect(200, send("GET " + TRADE, KEY, ""));
        tradeBodyBytes += expect(200, send("GET " + TRADE, KEY, ""));
        tradeBodyBytes += expect(429, send("GET " + TRADE, KEY, ""));
        expect(404, send("GET /nope", "", ""));
        expect(404, send("BREW /nope", "", ""));
        expect(405, send("PATCH /v1/tasks", KEY, ""));
        expect(401, send("GET " + TASK, "", ""));
        expect(400, send("POST /v1/tasks", KEY + "Content-Type: application/json\r\n", MALFORMED));
        // Kept alive: the refused body is read (and counted) before the exchange ends, not cut by a close.
        expect(415, send("POST /v1/tasks", KEY + "Connection: keep-alive\r\nContent-Type: text/plain\r\n",
                PLAIN_TEXT));
        expect(503, send("GET " + TASK, KEY, ""));
        // An exchange is counted when it ends, just after its last byte is written: wait for all of them.
        Poll.until(Duration.ofSeconds(10), REQUESTS + " requests counted", () -> {
            metrics = Exposition.scrape(gateway.adminPort());
            return metrics.sum("http_request_duration_seconds_count") == REQUESTS
                    && metrics.sum("gateway_client_connections") == 0;
        });
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

    private static RawHttp.Response send(String requestLine, String headers, String body) throws IOException {
        try (RawHttp c = new RawHttp(gateway.port())) {
            String length = body.isEmpty() ? "" : "Content-Length: " + body.length() + "\r\n";
            String connection = headers.contains("Connection:") ? "" : "Connection: close\r\n";
            return c.send(requestLine + " HTTP/1.1\r\nHost: gw\r\n" + connection + headers + length + "\r\n"
                    + body).read();
        }
    }

    /** @return the response's body length */
    private static int expect(int status, RawHttp.Response r) {
        assertEquals(status, r.status(), r.text());
        return r.body().length;
    }

    private static double count(String method, String path, String status) {
        return metrics.sum("http_request_duration_seconds_count", "method", method, "path", path,
                "status_code", status);
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        Path file = Files.createTempFile("metrics", ".txt");
        try {
            Files.writeString(file, metrics.text);
            Promtool.check(file, "check", "metrics");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void everyRequestIsInTheLegacyHistogramByMethodRouteAndStatus() {
        assertEquals(2, count("GET", "/v1/trades/{tradeId}", "200"));
        assertEquals(1, count("GET", "/v1/trades/{tradeId}", "429"));
        assertEquals(1, count("GET", "#unmatched", "404"));
        assertEquals(1, count("OTHER", "#unmatched", "404"), "an invented method is OTHER: the label stays bounded");
        assertEquals(1, count("PATCH", "/v1/tasks", "405"));
        assertEquals(1, count("GET", "/v1/tasks/{taskId}", "401"));
        assertEquals(1, count("POST", "/v1/tasks", "400"));
        assertEquals(1, count("POST", "/v1/tasks", "415"));
        assertEquals(1, count("GET", "/v1/tasks/{taskId}", "503"));
        for (Exposition.Sample s : metrics.find("http_request_duration_seconds_bucket")) {
            assertEquals(Set.of("method", "path", "status_code", "le"), s.labels().keySet());
        }
        List<Exposition.Sample> buckets = metrics.find("http_request_duration_seconds_bucket",
                "method", "GET", "path", "/v1/trades/{tradeId}", "status_code", "200");
        assertEquals(List.of("0.003", "0.03", "0.1", "0.3", "1.5", "10.0", "+Inf"),
                buckets.stream().map(s -> s.labels().get("le")).toList());
        assertEquals(2, buckets.get(buckets.size() - 1).value());
    }

    @Test
    void gatewaySeriesCountWhatHappened() {
        assertEquals(1, metrics.sum("gateway_rate_limited_total", "class", "trade.read"));
        assertEquals(1, metrics.sum("gateway_auth_rejections_total", "code", "UNAUTHENTICATED"));
        assertEquals(0, metrics.sum("gateway_auth_rejections_total", "code", "FORBIDDEN"));
        assertEquals(1, metrics.sum("gateway_validation_failures_total", "path", "/v1/tasks", "code", "MALFORMED_BODY"));
        assertEquals(1, metrics.sum("gateway_validation_failures_total", "path", "/v1/tasks",
                "code", "UNSUPPORTED_MEDIA_TYPE"));
        assertEquals(2, metrics.sum("gateway_validation_failures_total"));
        String endpoint = upstream.endpoint();
        assertEquals(2, metrics.sum("gateway_upstream_attempt_duration_seconds_count", "upstream", "trade",
                "endpoint", endpoint, "outcome", "success"));
        assertEquals(1, metrics.sum("gateway_upstream_attempt_duration_seconds_count", "upstream", "task",
                "endpoint", endpoint, "outcome", "failure"));
        assertEquals(3, metrics.sum("gateway_upstream_attempt_duration_seconds_count"));
        assertEquals(0, metrics.sum("gateway_upstream_retries_total"));
        assertTrue(metrics.sum("gateway_upstream_connections", "upstream", "trade", "state", "idle") >= 1,
                "the trade connections went back to their pools");
        assertEquals(0, metrics.sum("gateway_upstream_connections", "state", "active"));
        assertEquals(0, metrics.sum("gateway_upstream_pending_acquires"));
        assertEquals(1, metrics.sum("gateway_circuit_breaker_state", "upstream", "trade", "state", "closed"));
        assertEquals(0, metrics.sum("gateway_circuit_breaker_state", "state", "open"));
        assertEquals(1, metrics.sum("gateway_ready"));
        assertEquals(1, metrics.sum("gateway_upstream_state", "upstream", "task", "state", "up"));
        assertEquals(0, metrics.sum("gateway_requests_in_flight"));
        assertEquals(0, metrics.sum("gateway_upstream_requests_in_flight"));
        assertEquals(MALFORMED.length() + PLAIN_TEXT.length(),
                metrics.sum("gateway_request_body_bytes_total", "method", "POST", "path", "/v1/tasks"));
        assertEquals(tradeBodyBytes,
                metrics.sum("gateway_response_body_bytes_total", "method", "GET", "path", "/v1/trades/{tradeId}"));
        assertEquals(0, metrics.sum("gateway_log_lines_dropped_total"));
        assertEquals(1, metrics.sum("gateway_response_validation_total", "operation", "getTask", "outcome", "invalid"),
                "the upstream's 503 body {} lacks the contract's error object");
    }

    /** LEGACY.md's metrics section, read as it is written: the series, their type, labels and buckets. */
    @Test
    void everySeriesLegacyMdNamesIsServedAsItSays() throws Exception {
        String legacy = Files.readString(Promtool.ROOT.resolve("openapi/LEGACY.md"));
        String section = legacy.substring(legacy.indexOf("## Metrics"));
        section = section.substring(0, section.indexOf("\n## ", 4));
        Matcher histogram = Pattern.compile("- `(\\w+)` histogram, labels (.*?); buckets ([\\d., ]+)\\.",
                Pattern.DOTALL).matcher(section);
        assertTrue(histogram.find(), "LEGACY.md's histogram line");
        String name = histogram.group(1);
        assertEquals("histogram", metrics.types.get(name));
        // The labels, leaving out the remarks in parentheses (which quote label values).
        Set<String> labels = new TreeSet<>(backticked(histogram.group(2).replaceAll("\\([^)]*\\)", "")));
        labels.add("le");
        for (Exposition.Sample s : metrics.find(name + "_bucket")) {
            assertEquals(labels, new TreeSet<>(s.labels().keySet()));
        }
        List<String> buckets = new ArrayList<>(Arrays.stream(histogram.group(3).split(",\\s*"))
                .map(b -> String.valueOf(Double.parseDouble(b))).toList());
        buckets.add("+Inf");
        Exposition.Sample any = metrics.find(name + "_count").get(0);
        assertEquals(buckets, metrics.find(name + "_bucket", "method", any.labels().get("method"),
                "path", any.labels().get("path"), "status_code", any.labels().get("status_code")).stream()
                .map(s -> s.labels().get("le")).toList());
        assertTrue(section.contains("`#unmatched`"));
        assertFalse(metrics.find(name + "_count", "path", "#unmatched").isEmpty());

        Matcher gauge = Pattern.compile("- `(\\w+)` gauge, always 1").matcher(section);
        assertTrue(gauge.find(), "LEGACY.md's gauge line");
        assertEquals("gauge", metrics.types.get(gauge.group(1)));
        assertEquals(1, metrics.sum(gauge.group(1)));

        Matcher process = Pattern.compile("- The standard `process_\\*` series \\(([^)]*)\\)").matcher(section);
        assertTrue(process.find(), "LEGACY.md's process line");
        List<String> standard = backticked(process.group(1));
        assertEquals(4, standard.size(), standard.toString());
        for (String series : standard) {
            assertTrue(metrics.has(series), series + " is not served");
        }
    }

    private static List<String> backticked(String text) {
        Matcher m = Pattern.compile("`([^`]+)`").matcher(text);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyMetricTheOpsKitQueriesIsServed() throws Exception {
        Set<String> missing = new TreeSet<>();
        for (String expr : OpsKitTest.queries()) {
            for (String name : OpsKitTest.metricNames(expr)) {
                if (!metrics.has(name)) {
                    missing.add(name + "  in  " + expr);
                }
            }
        }
        assertTrue(missing.isEmpty(), "docs/ops queries series that /metrics does not serve:\n"
                + missing.stream().collect(Collectors.joining("\n")));
    }
}
