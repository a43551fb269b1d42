package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.cli.DemoGateway;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Traces as a collector receives them: the gateway exports over OTLP/HTTP to MockServer (its own process),
 * which records each {@code POST /v1/traces}; the spans are read out of the protobuf bodies and their
 * links checked against the {@code traceparent} the caller sent and the one the upstream received.
 */
@Timeout(60)
class TracingTest {
    private static final Pattern TRACEPARENT = Pattern.compile("^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$");
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final String LIST = "/v1/trades";
    private static final String QUERY = "accountId=ACC-00012345&limit=5";
    private static final String KEY = "X-API-Key: it-key\r\n";

    private static MockServerProcess collector;
    private TestUpstream upstream;
    private DemoGateway gateway;

    @BeforeAll
    static void startCollector() throws Exception {
        collector = MockServerProcess.start();
    }

    @AfterAll
    static void stopCollector() throws InterruptedException {
        if (collector != null) {
            collector.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        collector.reset();
        collector.expect("{\"method\":\"POST\",\"path\":\"/v1/traces\"}", "\"httpResponse\":{\"statusCode\":200}");
        upstream = new TestUpstream();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
    }

    /** A gateway in front of the test upstream, exporting to the collector every 50 ms. */
    private void startGateway(String tracing) throws InterruptedException {
        gateway = TestGateway.startWith(upstream, "tracing: {enabled: true, serviceName: gateway-it, "
                + "endpoint: \"http://127.0.0.1:" + collector.port + "/v1/traces\", scheduleDelay: 50ms" + tracing
                + "}\n");
    }

    private RawHttp.Response get(String path, String headers) throws IOException {
        try (RawHttp c = new RawHttp(gateway.port())) {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: gw\r\n" + KEY + headers + "\r\n").read();
        }
    }

    /** The traceparent the upstream received with the next request: trace id, parent id, flags. */
    private Matcher upstreamTraceparent() throws InterruptedException {
        TestUpstream.Recorded r = upstream.received.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "the upstream received nothing");
        String tp = r.headers().get("traceparent");
        assertNotNull(tp, "no traceparent upstream");
        Matcher m = TRACEPARENT.matcher(tp);
        assertTrue(m.matches(), tp);
        return m;
    }

    /** The traceparent's sampled flag (its lowest bit; the others are not ours to judge). */
    private static boolean sampled(Matcher traceparent) {
        return (Integer.parseInt(traceparent.group(3), 16) & 1) == 1;
    }

    /** Every span exported so far. */
    private static List<OtlpSpans.Span> exported() throws Exception {
        List<OtlpSpans.Span> spans = new ArrayList<>();
        for (JsonNode request : collector.received("{\"method\":\"POST\",\"path\":\"/v1/traces\"}")) {
            JsonNode body = request.get("body");
            assertEquals("BINARY", body.get("type").asText(), body.toString());
            spans.addAll(OtlpSpans.decode(Base64.getDecoder().decode(body.get("base64Bytes").asText())));
        }
        return spans;
    }

    /** Waits for the trace's server span and {@code clients} client spans to be exported. */
    private static List<OtlpSpans.Span> trace(String traceId, int clients) throws Exception {
        List<List<OtlpSpans.Span>> found = new ArrayList<>(List.of(List.of()));
        Poll.until(Duration.ofSeconds(20), "the spans of trace " + traceId, () -> {
            List<OtlpSpans.Span> spans = exported().stream().filter(s -> s.traceId().equals(traceId)).toList();
            found.set(0, spans);
            return spans.stream().filter(s -> s.kind() == OtlpSpans.KIND_SERVER).count() == 1
                    && spans.stream().filter(s -> s.kind() == OtlpSpans.KIND_CLIENT).count() == clients;
        });
        return found.get(0);
    }

    private static OtlpSpans.Span only(List<OtlpSpans.Span> spans, int kind) {
        Optional<OtlpSpans.Span> s = spans.stream().filter(x -> x.kind() == kind).findFirst();
        assertTrue(s.isPresent(), "no span of kind " + kind + " in " + spans);
        return s.get();
    }

    @Test
    void aCallersTraceGetsAServerSpanAndAClientSpanPerAttemptLinkedToItAndToTheUpstream() throws Exception {
        startGateway(", sampleRatio: 0.0"); // the caller's sampled flag decides, not the ratio
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        RawHttp.Response r = get(LIST + "?" + QUERY, "traceparent: 00-" + traceId + "-" + callerSpan + "-01\r\n"
                + "User-Agent: tracing-test/1\r\n");
        assertEquals(200, r.status());
        Matcher up = upstreamTraceparent();
        assertEquals(traceId, up.group(1), "the upstream continues the caller's trace");
        assertTrue(sampled(up), up.group());

        List<OtlpSpans.Span> spans = trace(traceId, 1);
        OtlpSpans.Span server = only(spans, OtlpSpans.KIND_SERVER);
        OtlpSpans.Span client = only(spans, OtlpSpans.KIND_CLIENT);
        assertEquals(callerSpan, server.parentSpanId(), "the server span is the caller's child");
        assertEquals(server.spanId(), client.parentSpanId(), "the attempt is the server span's child");
        assertEquals(client.spanId(), up.group(2), "the upstream's parent is the attempt's span");

        assertEquals("GET /v1/trades", server.name());
        assertEquals("GET", server.attributes().get("http.request.method"));
        assertEquals("/v1/trades", server.attributes().get("http.route"));
        assertEquals(200L, server.attributes().get("http.response.status_code"));
        assertEquals(LIST, server.attributes().get("url.path"));
        assertEquals(QUERY, server.attributes().get("url.query"));
        assertEquals("http", server.attributes().get("url.scheme"));
        assertEquals("1.1", server.attributes().get("network.protocol.version"));
        assertEquals("127.0.0.1", server.attributes().get("client.address"));
        assertEquals("tracing-test/1", server.attributes().get("user_agent.original"));
        assertEquals(r.header("x-request-id"), server.attributes().get("gateway.request_id"));
        assertNotEquals(OtlpSpans.STATUS_ERROR, server.statusCode());

        assertEquals("GET", client.name());
        assertEquals("127.0.0.1", client.attributes().get("server.address"));
        assertEquals((long) upstream.port(), client.attributes().get("server.port"));
        assertEquals("http://127.0.0.1:" + upstream.port() + LIST + "?" + QUERY, client.attributes().get("url.full"));
        assertEquals(200L, client.attributes().get("http.response.status_code"));
        assertEquals("gateway-it", server.resource().get("service.name"));
    }

    @Test
    void aStreamsServerSpanSaysHttp2() throws Exception {
        startGateway(", sampleRatio: 0.0");
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4737";
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, true, ":method", "GET", ":scheme", "http", ":path", LIST + "?" + QUERY, ":authority", "gw",
                    "x-api-key",
                    "it-key", "traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");
            assertEquals(200, h2.response(1).status());
        }
        OtlpSpans.Span server = only(trace(traceId, 1), OtlpSpans.KIND_SERVER);
        assertEquals("2", server.attributes().get("network.protocol.version"));
        assertEquals("http", server.attributes().get("url.scheme"));
    }

    @Test
    void withoutACallerTraceTheRatioDecidesAndANewTraceStarts() throws Exception {
        startGateway(", sampleRatio: 1.0");
        assertEquals(200, get(TRADE, "").status());
        Matcher up = upstreamTraceparent();
        assertTrue(sampled(up), up.group());
        OtlpSpans.Span server = only(trace(up.group(1), 1), OtlpSpans.KIND_SERVER);
        assertEquals("", server.parentSpanId(), "a root span");
    }

    @Test
    void aCallerThatDidNotSampleIsFollowedButItsContextStillGoesUpstream() throws Exception {
        startGateway(", sampleRatio: 1.0");
        String unsampled = "11111111111111111111111111111111";
        assertEquals(200, get(TRADE, "traceparent: 00-" + unsampled + "-2222222222222222-00\r\n").status());
        Matcher up = upstreamTraceparent();
        assertEquals(unsampled, up.group(1));
        assertTrue(!sampled(up), up.group());
        // A sampled trace after it: once its spans are out, the batch holding any of the first is too.
        String sampled = "33333333333333333333333333333333";
        assertEquals(200, get(TRADE, "traceparent: 00-" + sampled + "-4444444444444444-01\r\n").status());
        trace(sampled, 1);
        assertTrue(exported().stream().noneMatch(s -> s.traceId().equals(unsampled)),
                "no span of a trace its caller did not sample");
    }

    @Test
    void aFailedAttemptIsAnErrorSpanAndThe502AnErrorServerSpan() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort(); // closed again: connections to it are refused
        }
        gateway = TestGateway.start("tracing: {enabled: true, sampleRatio: 1.0, scheduleDelay: 50ms, "
                + "endpoint: \"http://127.0.0.1:" + collector.port + "/v1/traces\"}\n"
                + "upstreams: {trade: {endpoints: [127.0.0.1:" + dead + "]}, task: {endpoints: [" + upstream.endpoint()
                + "]}}\n");
        String traceId = "55555555555555555555555555555555";
        assertEquals(502, get(TRADE, "traceparent: 00-" + traceId + "-6666666666666666-01\r\n").status());
        List<OtlpSpans.Span> spans = trace(traceId, 1);
        OtlpSpans.Span server = only(spans, OtlpSpans.KIND_SERVER);
        OtlpSpans.Span client = only(spans, OtlpSpans.KIND_CLIENT);
        assertEquals(OtlpSpans.STATUS_ERROR, server.statusCode());
        assertEquals(502L, server.attributes().get("http.response.status_code"));
        assertEquals(OtlpSpans.STATUS_ERROR, client.statusCode());
        assertEquals("connect_failed", client.attributes().get("error.type"));
    }

    @Test
    void aRetryIsASecondClientSpanUnderTheSameServerSpan() throws Exception {
        startGateway(", sampleRatio: 1.0");
        String traceId = "99999999999999999999999999999999";
        // One client connection, so one event loop and its pool, for both requests.
        try (RawHttp c = new RawHttp(gateway.port())) {
            String get = "GET " + TRADE + " HTTP/1.1\r\nHost: gw\r\n" + KEY;
            assertEquals(200, c.send(get + "\r\n").read().status()); // leaves a pooled connection behind
            upstreamTraceparent();
            // From now on the upstream closes every connection a request arrives on: the pooled one turns
            // out stale (retried on a fresh connection, as nothing was answered), and the fresh one fails too.
            upstream.mode = TestUpstream.Mode.CLOSE;
            assertEquals(502, c.send(get + "traceparent: 00-" + traceId + "-aaaaaaaaaaaaaaaa-01\r\n\r\n")
                    .read().status());
        }
        List<OtlpSpans.Span> spans = trace(traceId, 2);
        OtlpSpans.Span server = only(spans, OtlpSpans.KIND_SERVER);
        List<OtlpSpans.Span> attempts = spans.stream().filter(s -> s.kind() == OtlpSpans.KIND_CLIENT).toList();
        for (OtlpSpans.Span a : attempts) {
            assertEquals(server.spanId(), a.parentSpanId());
            assertEquals(OtlpSpans.STATUS_ERROR, a.statusCode());
        }
        OtlpSpans.Span first = attempts.stream().filter(a -> !a.attributes().containsKey("http.request.resend_count"))
                .findFirst().orElseThrow(() -> new AssertionError("no first attempt in " + attempts));
        OtlpSpans.Span retry = attempts.stream().filter(a -> a.attributes().containsKey("http.request.resend_count"))
                .findFirst().orElseThrow(() -> new AssertionError("no retry in " + attempts));
        assertEquals("stale_connection", first.attributes().get("error.type"));
        assertEquals(1L, retry.attributes().get("http.request.resend_count"));
        assertEquals("connection_closed", retry.attributes().get("error.type"));
        // Each attempt carried its own span as the upstream's parent.
        Matcher firstUp = upstreamTraceparent();
        Matcher retryUp = upstreamTraceparent();
        assertEquals(first.spanId(), firstUp.group(2));
        assertEquals(retry.spanId(), retryUp.group(2));
    }

    @Test
    void tracingOffPassesTheCallersTraceparentOnUntouched() throws Exception {
        gateway = TestGateway.startWith(upstream, "");
        String tp = "00-77777777777777777777777777777777-8888888888888888-01";
        assertEquals(200, get(TRADE, "traceparent: " + tp + "\r\ntracestate: vendor=1\r\n").status());
        TestUpstream.Recorded r = upstream.received.poll(10, TimeUnit.SECONDS);
        assertNotNull(r);
        assertEquals(tp, r.headers().get("traceparent"));
        assertEquals("vendor=1", r.headers().get("tracestate"));
    }
}
