package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway against an upstream that fails in every way a real one does: down, slow to accept, slow to
 * answer, silent, resetting, half-closing, talking garbage, answering twice, dropping a reused keep-alive
 * connection, or overloaded. The task upstream stays healthy throughout, so each test can also check that
 * one sick upstream does not hurt the other route.
 */
class FaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TRADE = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\","
            + "\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}";
    private static final String TASK = "/v1/tasks/tsk_abcdefghij0123456789";

    private FaultyUpstream faulty;
    private TestUpstream task;
    private DemoGateway gateway;

    @BeforeEach
    void upstreams() throws InterruptedException {
        faulty = new FaultyUpstream();
        task = new TestUpstream();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        faulty.close();
        task.close();
    }

    /**
     * trade -> {@code tradeEndpoints} with {@code tradeSettings}, task -> the healthy upstream. One event
     * loop: every client connection shares one upstream pool, so "the next request reuses the pooled
     * connection" holds.
     */
    private DemoGateway start(String tradeEndpoints, String tradeSettings, String more) throws InterruptedException {
        gateway = TestGateway.start("eventLoops: 1\nupstreams:\n"
                + "  trade: {endpoints: [" + tradeEndpoints + "]" + (tradeSettings.isEmpty() ? "" : ", ")
                + tradeSettings + "}\n"
                + "  task: {endpoints: [" + task.endpoint() + "]}\n" + more);
        return gateway;
    }

    // --- requests and answers ----------------------------------------------------------------------

    /** A trade id of its own per request, so an answer given to the wrong request shows. */
    static String trade(int n) {
        return String.format("/v1/trades/trd_%020d", n);
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n";
    }

    static String post(String idempotencyKey) {
        return "POST /v1/trades HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\nContent-Type: application/json\r\n"
                + (idempotencyKey == null ? "" : "Idempotency-Key: " + idempotencyKey + "\r\n")
                + "Content-Length: " + TRADE.length() + "\r\n\r\n" + TRADE;
    }

    static String code(RawHttp.Response r) throws IOException {
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertNotNull(error, () -> "not the gateway's error: " + r.status() + " " + r.text());
        return error.get("code").asText();
    }

    /** The upstream's 200 for {@code path}, not some other request's. */
    static void assertAnswered(String path, RawHttp.Response r) {
        assertEquals(200, r.status(), r::text);
        assertEquals("{\"ok\":true,\"uri\":\"" + path + "\"}", r.text());
    }

    static void assertGatewayError(int status, String code, RawHttp.Response r) throws IOException {
        assertEquals(status, r.status(), r::text);
        assertEquals(code, code(r));
    }

    static void assertRetryAfter(RawHttp.Response r) {
        String retryAfter = r.header("retry-after");
        assertNotNull(retryAfter, "Retry-After");
        assertTrue(retryAfter.matches("[0-9]+"), "Retry-After " + retryAfter);
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    record Readiness(int status, JsonNode body) {
        String upstream(String name) {
            return body.get("upstreams").get(name).asText();
        }
    }

    private Readiness readyz() throws IOException {
        try (RawHttp admin = new RawHttp(gateway.adminPort())) {
            RawHttp.Response r = admin.send("GET /readyz HTTP/1.1\r\nHost: admin\r\n\r\n").read();
            return new Readiness(r.status(), JSON.readTree(r.body()));
        }
    }

    // --- retries: only before the request reached the upstream, only when safe ---------------------

    @Test
    @Timeout(20)
    void aGetOnAPooledConnectionTheUpstreamDropsIsRetriedTransparently() throws Exception {
        faulty.behaviour = FaultyUpstream.CLOSE_ON_REUSE;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertAnswered(trade(1), c.send(get(trade(1))).read()); // leaves a keep-alive connection pooled
            faulty.received.clear();
            // The pooled connection is closed under it; a fresh one answers, and the client never knows.
            assertAnswered(trade(2), c.send(get(trade(2))).read());
            assertEquals(2, faulty.received.size(), "the dropped attempt and the retry");
            for (TestUpstream.Recorded r : faulty.received) {
                assertEquals(trade(2), r.uri());
            }
            assertAnswered(trade(3), c.send(get(trade(3))).read()); // one answer each, in order
        }
    }

    @Test
    @Timeout(20)
    void anEmptyRetryBudgetMeansTheDropIsAnsweredNotRetried() throws Exception {
        faulty.behaviour = FaultyUpstream.CLOSE_ON_REUSE;
        start(faulty.endpoint(), "retries: {budgetPercent: 0, minRetriesPerWindow: 0}", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertAnswered(trade(1), c.send(get(trade(1))).read());
            faulty.received.clear();
            RawHttp.Response r = c.send(get(trade(2))).read();
            assertEquals(502, r.status(), r.text());
            assertEquals(1, faulty.received.size(), "no budget, no retry");
        }
    }

    @Test
    @Timeout(20)
    void aPostWithoutIdempotencyKeyIsNeverRepeated() throws Exception {
        faulty.behaviour = FaultyUpstream.CLOSE_ON_REUSE;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertAnswered(trade(1), c.send(get(trade(1))).read());
            faulty.received.clear();
            // The body was written: the upstream may have acted on it, so a second try could trade twice.
            assertGatewayError(502, "BAD_GATEWAY", c.send(post(null)).read());
            assertEquals(1, faulty.received.size());
            assertEquals("POST", faulty.received.peek().method());
        }
    }

    @Test
    @Timeout(20)
    void aPostBodyIsNeverSentTwiceEvenWithAnIdempotencyKey() throws Exception {
        faulty.behaviour = FaultyUpstream.CLOSE_ON_REUSE;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertAnswered(trade(1), c.send(get(trade(1))).read());
            faulty.received.clear();
            // The key makes a retry safe for the upstream's books, but the body has left and is not kept.
            assertGatewayError(502, "BAD_GATEWAY", c.send(post("order-0007")).read());
            assertEquals(1, faulty.received.size());
        }
    }

    /** Ejection and breaker out of the way: the refusing endpoint stays in the draw for every request. */
    private static final String KEEP_BOTH_IN_PLAY = "healthCheck: {path: \"\", interval: 30s, timeout: 1s, "
            + "healthyThreshold: 2, unhealthyThreshold: 3}, "
            + "outlierEjection: {consecutiveFailures: 1000, baseEjectionTime: 10s, maxEjectionTime: 5m, "
            + "maxEjectionPercent: 50}, "
            + "breaker: {failureRateThreshold: 50, minimumCalls: 1000, window: 10s, openDelay: 5s, "
            + "halfOpenPermits: 3}, "
            + "retries: {maxRetries: 2, budgetPercent: 100, minRetriesPerWindow: 100}";

    @Test
    @Timeout(20)
    void aRefusedPostIsRetriedElsewhereOnlyWithAnIdempotencyKey() throws Exception {
        try (FaultyUpstream down = new FaultyUpstream()) {
            start(down.endpoint() + ", " + faulty.endpoint(), KEEP_BOTH_IN_PLAY, "");
            awaitFirstProbes(down, faulty);
            down.stop();
            try (RawHttp c = new RawHttp(gateway.port())) {
                // About half of these are drawn to the refusing endpoint; none of them left the gateway there.
                for (int i = 0; i < 20; i++) {
                    assertAnswered("/v1/trades", c.send(post(String.format("order-%04d", i))).read());
                }
                assertEquals(20, faulty.received.size(), "each POST reached the live endpoint exactly once");
                faulty.received.clear();
                // Without a key, a refused POST is the client's to repeat: 502, even with a live endpoint.
                int refused = 0;
                for (int i = 0; i < 20; i++) {
                    RawHttp.Response r = c.send(post(null)).read();
                    if (r.status() == 502) {
                        assertEquals("BAD_GATEWAY", code(r));
                        refused++;
                    } else {
                        assertAnswered("/v1/trades", r);
                    }
                }
                assertTrue(refused > 0, "20 random draws never picked the refusing endpoint");
                assertEquals(20 - refused, faulty.received.size());
            }
        }
    }

    /**
     * Waits for each endpoint's first TCP check to connect. The first verdict counts at once, so an
     * endpoint that is down when the gateway starts would never be tried; these tests want it tried.
     */
    private static void awaitFirstProbes(FaultyUpstream... upstreams) throws Exception {
        for (FaultyUpstream u : upstreams) {
            Poll.until(Duration.ofSeconds(5), "the first health check of " + u.endpoint(),
                    () -> u.connections.get() > 0);
        }
    }

    @Test
    @Timeout(30)
    void aRefusingEndpointIsRoutedAroundThenLeftAlone() throws Exception {
        try (FaultyUpstream down = new FaultyUpstream()) {
            // One health check, passed, then none for 30 s: what keeps traffic off the dead endpoint here
            // is the failures of real requests (ejection or breaker), not the health check.
            start(down.endpoint() + ", " + faulty.endpoint(), "healthCheck: {path: \"\", interval: 30s, timeout: 1s, "
                    + "healthyThreshold: 2, unhealthyThreshold: 3}, "
                    + "outlierEjection: {consecutiveFailures: 3, baseEjectionTime: 30s, maxEjectionTime: 5m, "
                    + "maxEjectionPercent: 50}, "
                    + "retries: {maxRetries: 2, budgetPercent: 100, minRetriesPerWindow: 100}", "");
            awaitFirstProbes(down, faulty);
            down.stop();
            try (RawHttp c = new RawHttp(gateway.port())) {
                // P2C sends about half of these to the refusing endpoint; each is retried on the other.
                for (int i = 0; i < 40; i++) {
                    assertAnswered(trade(i), c.send(get(trade(i))).read());
                }
                assertEquals(40, faulty.received.size(), "each request reached the live endpoint once");
                // The dead endpoint comes back, broken. Nothing may reach it while it is ejected: were it
                // still chosen, its garbage would turn a request into a 502 and show in its queue.
                down.behaviour = FaultyUpstream.GARBAGE;
                down.restart();
                long start = System.nanoTime();
                for (int i = 100; i < 120; i++) {
                    assertAnswered(trade(i), c.send(get(trade(i))).read());
                }
                assertTrue(millisSince(start) < 2_000, "20 requests took " + millisSince(start) + " ms");
                assertNull(down.received.poll(), "the ejected endpoint was sent a request");
            }
        }
    }

    @Test
    @Timeout(30)
    void whenEveryEndpointFailsTheBreakerAnswers503AtOnceThenRecovers() throws Exception {
        start(faulty.endpoint(), "healthCheck: {path: \"\", interval: 30s, timeout: 1s, healthyThreshold: 2, "
                + "unhealthyThreshold: 3}, breaker: {failureRateThreshold: 50, minimumCalls: 4, window: 10s, "
                + "openDelay: 2s, halfOpenPermits: 3}", "");
        awaitFirstProbes(faulty); // checked healthy, and no check again for 30 s: only the breaker acts
        Poll.until(Duration.ofSeconds(5), "trade checked up", () -> readyz().status() == 200);
        faulty.stop();
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertGatewayError(502, "BAD_GATEWAY", c.send(get(trade(1))).read());
            RawHttp.Response r;
            int failed = 1;
            while ((r = c.send(get(trade(1))).read()).status() == 502) {
                assertEquals("BAD_GATEWAY", code(r));
                assertTrue(++failed <= 4, "the breaker stays closed after " + failed + " failed requests");
            }
            assertGatewayError(503, "UPSTREAM_UNAVAILABLE", r);
            assertRetryAfter(r);
            // Back up, but the breaker is open for 2 s: still 503, and the upstream sees nothing.
            faulty.restart();
            RawHttp.Response stillOpen = c.send(get(trade(2))).read();
            assertGatewayError(503, "UPSTREAM_UNAVAILABLE", stillOpen);
            assertRetryAfter(stillOpen);
            assertNull(faulty.received.poll(), "an open breaker let a request through");
            Readiness open = readyz();
            assertEquals(503, open.status());
            assertEquals("not_ready", open.body().get("status").asText());
            assertEquals("open", open.upstream("trade"));
            assertEquals("up", open.upstream("task"));
            // After openDelay, half-open trials reach the upstream, succeed, and close the breaker.
            Poll.until(Duration.ofSeconds(10), "the breaker closes again",
                    () -> c.send(get(trade(3))).read().status() == 200);
            assertAnswered(trade(4), c.send(get(trade(4))).read());
            Readiness ready = readyz();
            assertEquals(200, ready.status());
            assertEquals("up", ready.upstream("trade"));
        }
    }

    @Test
    @Timeout(30)
    void readinessFollowsTheTcpHealthProbe() throws Exception {
        start(faulty.endpoint(), "healthCheck: {path: \"\", interval: 100ms, timeout: 100ms, healthyThreshold: 2, "
                + "unhealthyThreshold: 2}", "");
        Poll.until(Duration.ofSeconds(5), "trade up", () -> readyz().status() == 200);
        assertEquals("ready", readyz().body().get("status").asText());
        faulty.stop();
        Poll.until(Duration.ofSeconds(5), "trade down", () -> "down".equals(readyz().upstream("trade")));
        Readiness down = readyz();
        assertEquals(503, down.status());
        assertEquals("not_ready", down.body().get("status").asText());
        assertEquals("up", down.upstream("task"));
        faulty.restart();
        Poll.until(Duration.ofSeconds(5), "trade up again", () -> readyz().status() == 200);
        assertEquals("up", readyz().upstream("trade"));
    }

    // --- timeouts ----------------------------------------------------------------------------------

    @Test
    @Timeout(20)
    void anEndpointThatNeverAcceptsIs504AfterTheConnectTimeout() throws Exception {
        try (FaultyUpstream.BlackHole hole = FaultyUpstream.slowToAccept()) {
            // The premise: on this machine, connecting there times out rather than being refused.
            try (Socket s = new Socket()) {
                assertThrows(SocketTimeoutException.class,
                        () -> s.connect(new InetSocketAddress("127.0.0.1", hole.port()), 200));
            }
            start(hole.endpoint(), "connectTimeout: 300ms", "");
            try (RawHttp c = new RawHttp(gateway.port())) {
                long start = System.nanoTime();
                RawHttp.Response r = c.send(get(trade(1))).read();
                long took = millisSince(start);
                assertGatewayError(504, "UPSTREAM_TIMEOUT", r);
                // Not refused at once, and not a connect timeout per retry either.
                assertTrue(took >= 250 && took < 800, "answered after " + took + " ms");
                assertEquals(200, c.send(get(TASK)).read().status(), "the task route is unaffected");
            }
        }
    }

    @Test
    @Timeout(20)
    void aSilentOrSlowUpstreamIs504AfterTheResponseTimeoutWhileOtherRoutesAnswer() throws Exception {
        start(faulty.endpoint(), "responseTimeout: 300ms", "");
        for (FaultyUpstream.Behaviour b : List.of(FaultyUpstream.SILENT,
                FaultyUpstream.answerAfter(Duration.ofSeconds(2)))) {
            faulty.behaviour = b;
            faulty.received.clear();
            try (RawHttp waiting = new RawHttp(gateway.port()); RawHttp other = new RawHttp(gateway.port())) {
                long start = System.nanoTime();
                waiting.send(get(trade(1)));
                assertNotNull(faulty.received.poll(5, TimeUnit.SECONDS), "the request reached the upstream");
                // While that one waits, the other route answers, and nothing has come back to the first yet.
                assertEquals(200, other.send(get(TASK)).read().status());
                assertEquals(0, waiting.input().available(), b + ": answered before the task request was");
                RawHttp.Response r = waiting.read();
                long took = millisSince(start);
                assertGatewayError(504, "UPSTREAM_TIMEOUT", r);
                assertTrue(took >= 250 && took < 1_300, b + ": answered after " + took + " ms");
                assertNull(faulty.received.poll(), b + ": a timed-out request was sent again");
            }
        }
    }

    @Test
    @Timeout(20)
    void theRouteTotalTimeoutCapsTheExchange() throws Exception {
        faulty.behaviour = FaultyUpstream.SILENT;
        start(faulty.endpoint(), "responseTimeout: 2s", "routes: [{prefix: /v1/trades, upstream: trade, "
                + "totalTimeout: 400ms}, {prefix: /v1/tasks, upstream: task}]\n");
        try (RawHttp c = new RawHttp(gateway.port())) {
            long start = System.nanoTime();
            RawHttp.Response r = c.send(get(trade(1))).read();
            long took = millisSince(start);
            assertGatewayError(504, "UPSTREAM_TIMEOUT", r);
            assertTrue(took >= 350 && took < 1_500, "answered after " + took + " ms, responseTimeout is 2 s");
        }
    }

    // --- broken answers ----------------------------------------------------------------------------

    @Test
    @Timeout(20)
    void aResetMidResponseCutsTheClientConnectionAndNothingIsSplicedIn() throws Exception {
        faulty.behaviour = FaultyUpstream.RESET_MID_RESPONSE;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response head = c.send(get(trade(1))).readHead();
            assertEquals(200, head.status());
            assertEquals("1000", head.header("content-length"));
            faulty.resetHeld(); // only now: the head has reached the client, so a 502 is no longer possible
            String rest = readToEnd(c.input());
            assertTrue(rest.length() < 1000, "a whole body arrived");
            assertTrue(FaultyUpstream.PARTIAL_BODY.startsWith(rest), "not the upstream's bytes: " + rest);
        }
        faulty.behaviour = FaultyUpstream.ANSWER;
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertAnswered(trade(2), c.send(get(trade(2))).read());
        }
    }

    /** Everything until EOF or reset: the client's view of a cut connection. */
    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) != -1; ) {
                got.write(b);
            }
        } catch (SocketException reset) {
            // cut by a reset: as good as EOF
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    @Timeout(20)
    void aHalfCloseIs502AndAPostIsNotRepeated() throws Exception {
        faulty.behaviour = FaultyUpstream.HALF_CLOSE;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertGatewayError(502, "BAD_GATEWAY", c.send(post(null)).read());
            assertEquals(1, faulty.received.size());
            assertGatewayError(502, "BAD_GATEWAY", c.send(get(trade(1))).read());
        }
    }

    @Test
    @Timeout(20)
    void garbageIs502() throws Exception {
        faulty.behaviour = FaultyUpstream.GARBAGE;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertGatewayError(502, "BAD_GATEWAY", c.send(get(trade(1))).read());
            assertEquals(1, faulty.received.size(), "bytes came back: the request was not retried");
            faulty.behaviour = FaultyUpstream.ANSWER;
            assertAnswered(trade(2), c.send(get(trade(2))).read());
            // Now on the pooled connection: garbage then a close is an answer, not a stale connection.
            faulty.received.clear();
            faulty.behaviour = FaultyUpstream.GARBAGE;
            assertGatewayError(502, "BAD_GATEWAY", c.send(get(trade(3))).read());
            assertEquals(1, faulty.received.size(), "a reused connection that answered garbage is not retried");
        }
    }

    @Test
    @Timeout(20)
    void anUpstreamAnsweringTwiceStillGivesOneAnswerPerRequest() throws Exception {
        faulty.behaviour = FaultyUpstream.ANSWER_TWICE;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertAnswered(trade(1), c.send(get(trade(1))).read());
            faulty.behaviour = FaultyUpstream.ANSWER;
            // Had the extra answer been kept (in the pool, or on this connection), it would come back now.
            assertAnswered(trade(2), c.send(get(trade(2))).read());
            try (RawHttp fresh = new RawHttp(gateway.port())) {
                assertAnswered(trade(3), fresh.send(get(trade(3))).read());
            }
            assertAnswered(trade(4), c.send(get(trade(4))).read());
        }
    }

    @Test
    @Timeout(20)
    void anUpstream503IsPassedThroughAndNotRetried() throws Exception {
        faulty.behaviour = FaultyUpstream.STATUS_503;
        start(faulty.endpoint(), "", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = c.send(get(trade(i))).read();
                assertEquals(503, r.status());
                assertEquals(FaultyUpstream.BODY_503, r.text(), "the upstream's body, not the gateway's error");
                assertEquals("7", r.header("retry-after"));
                assertEquals("faulty", r.header("x-upstream"));
                assertEquals(i + 1, faulty.received.size(), "sent once");
            }
        }
    }

    @Test
    @Timeout(20)
    void upstream503sCountAsFailuresAndOpenTheBreaker() throws Exception {
        faulty.behaviour = FaultyUpstream.STATUS_503;
        start(faulty.endpoint(), "breaker: {failureRateThreshold: 50, minimumCalls: 4, window: 10s, "
                + "openDelay: 10s, halfOpenPermits: 3}", "");
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response r;
            int passedThrough = 0;
            while ((r = c.send(get(trade(1))).read()).text().equals(FaultyUpstream.BODY_503)) {
                assertTrue(++passedThrough <= 5, "still passed through after " + passedThrough);
            }
            assertTrue(passedThrough >= 4, "the breaker opened before minimumCalls: " + passedThrough);
            assertEquals(passedThrough, faulty.received.size(), "a 503 was retried");
            assertGatewayError(503, "UPSTREAM_UNAVAILABLE", r);
            assertRetryAfter(r);
        }
    }

    // --- admission limits --------------------------------------------------------------------------

    @Test
    @Timeout(20)
    void beyondThePendingCapAWaitForAConnectionIsRefusedAtOnce() throws Exception {
        faulty.behaviour = FaultyUpstream.SILENT;
        // One connection to the endpoint, one request may wait for it; a third is refused, not queued.
        start(faulty.endpoint(), "responseTimeout: 3s, connectTimeout: 2s, maxConnectionsPerEndpoint: 1, "
                + "maxPendingAcquires: 1", "");
        try (RawHttp a = new RawHttp(gateway.port()); RawHttp b = new RawHttp(gateway.port());
                RawHttp c = new RawHttp(gateway.port())) {
            a.send(get(trade(1)));
            assertNotNull(faulty.received.poll(5, TimeUnit.SECONDS)); // holds the only connection
            long start = System.nanoTime();
            b.send(get(trade(2)));
            c.send(get(trade(3)));
            // Which of the two waits depends on which the gateway reads first: the other is refused.
            CompletableFuture<RawHttp.Response> fromB = CompletableFuture.supplyAsync(() -> read(b));
            CompletableFuture<RawHttp.Response> fromC = CompletableFuture.supplyAsync(() -> read(c));
            RawHttp.Response first = (RawHttp.Response) CompletableFuture.anyOf(fromB, fromC).get(5, TimeUnit.SECONDS);
            assertGatewayError(503, "UPSTREAM_UNAVAILABLE", first);
            assertTrue(first.text().contains("connection limit"), first.text());
            assertRetryAfter(first);
            assertTrue(millisSince(start) < 1_000, "refused after " + millisSince(start) + " ms");
            CompletableFuture<RawHttp.Response> other = fromB.isDone() && fromB.get() == first ? fromC : fromB;
            RawHttp.Response waited = other.get(10, TimeUnit.SECONDS);
            assertGatewayError(503, "UPSTREAM_UNAVAILABLE", waited); // no connection freed within its wait
            assertTrue(waited.text().contains("no upstream connection became free"), waited.text());
            assertEquals(0, faulty.received.size(), "neither reached the upstream");
        }
    }

    private static RawHttp.Response read(RawHttp c) {
        try {
            return c.read();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Timeout(30)
    void beyondMaxConcurrentRequestsAre503AtOnceEvenBeforeTheBody() throws Exception {
        faulty.behaviour = FaultyUpstream.SILENT;
        start(faulty.endpoint(), "responseTimeout: 2s, maxConcurrentRequests: 2",
                "client: {bodyIdleTimeout: 5s}\n");
        try (RawHttp a = new RawHttp(gateway.port()); RawHttp b = new RawHttp(gateway.port())) {
            a.send(get(trade(1)));
            b.send(get(trade(2)));
            assertNotNull(faulty.received.poll(5, TimeUnit.SECONDS));
            assertNotNull(faulty.received.poll(5, TimeUnit.SECONDS)); // both in flight now
            try (RawHttp c = new RawHttp(gateway.port())) {
                long start = System.nanoTime();
                RawHttp.Response r = c.send(get(trade(3))).read();
                assertGatewayError(503, "UPSTREAM_UNAVAILABLE", r);
                assertRetryAfter(r);
                assertTrue(millisSince(start) < 1_000, "shed after " + millisSince(start) + " ms");
            }
            try (RawHttp d = new RawHttp(gateway.port())) {
                // Headers only: a gateway that waited for the body would answer 408 after 5 s.
                String head = post(null).substring(0, post(null).length() - TRADE.length());
                RawHttp.Response r = d.send(head).read();
                assertGatewayError(503, "UPSTREAM_UNAVAILABLE", r);
            }
            assertNull(faulty.received.poll(), "a shed request reached the upstream");
            assertGatewayError(504, "UPSTREAM_TIMEOUT", a.read());
            assertGatewayError(504, "UPSTREAM_TIMEOUT", b.read());
            faulty.behaviour = FaultyUpstream.ANSWER;
            assertAnswered(trade(4), a.send(get(trade(4))).read()); // the slots came back
        }
    }

    @Test
    @Timeout(20)
    void beyondMaxConnectionsANewClientConnectionIsClosedAtOnce() throws Exception {
        start(faulty.endpoint(), "", "client: {maxConnections: 3}\n");
        List<RawHttp> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawHttp c = new RawHttp(gateway.port());
                open.add(c);
                assertAnswered(trade(i), c.send(get(trade(i))).read()); // accepted and counted
            }
            try (RawHttp fourth = new RawHttp(gateway.port())) {
                assertTrue(fourth.closedByServer(), "a fourth connection was kept");
            }
            for (int i = 0; i < 3; i++) {
                assertAnswered(trade(10 + i), open.get(i).send(get(trade(10 + i))).read());
            }
            open.remove(0).close();
            // The gateway learns of that close on its own time: retry until a new connection is served.
            Poll.until(Duration.ofSeconds(5), "a freed slot is reused", () -> {
                try (RawHttp again = new RawHttp(gateway.port())) {
                    return again.send(get(trade(20))).read().status() == 200;
                } catch (IOException closed) {
                    return false;
                }
            });
        } finally {
            for (RawHttp c : open) {
                c.close();
            }
        }
    }

    // --- soak --------------------------------------------------------------------------------------

    /**
     * Clients loop for 30 s while the upstream cycles through every fault. Each answer must be the one its
     * request asked for; afterwards the gateway must serve again and give back its sockets and memory.
     */
    @Test
    @Tag("soak")
    @Timeout(90)
    void soakUnderCyclingFaultsLeavesNothingBehind() throws Exception {
        gateway = TestGateway.start("eventLoops: 2\nupstreams:\n"
                + "  trade: {endpoints: [" + faulty.endpoint() + "], connectTimeout: 300ms, responseTimeout: 300ms, "
                + "healthCheck: {path: \"\", interval: 200ms, timeout: 200ms, healthyThreshold: 2, "
                + "unhealthyThreshold: 3}, "
                + "breaker: {failureRateThreshold: 50, minimumCalls: 10, window: 5s, openDelay: 500ms, "
                + "halfOpenPermits: 3}, "
                + "outlierEjection: {consecutiveFailures: 5, baseEjectionTime: 500ms, maxEjectionTime: 1s, "
                + "maxEjectionPercent: 50}}\n"
                + "  task: {endpoints: [" + task.endpoint() + "]}\n");
        int threads = 4;
        try (RawHttp warm = new RawHttp(gateway.port())) {
            for (int i = 0; i < 10; i++) {
                assertAnswered(trade(i), warm.send(get(trade(i))).read());
                assertEquals(200, warm.send(get(TASK)).read().status());
            }
        }
        // The upstreams keep every request they see: cleared here and at the end, so they are not counted.
        faulty.received.clear();
        task.received.clear();
        long fdsBefore = openFds();
        long heapBefore = usedHeapAfterGc();
        long rssBefore = rssBytes();

        ScheduledExecutorService faults = Executors.newSingleThreadScheduledExecutor();
        ExecutorService clients = Executors.newFixedThreadPool(threads);
        AtomicReference<Throwable> faultFailure = new AtomicReference<>();
        List<Runnable> cycle = List.of(
                () -> faulty.behaviour = FaultyUpstream.SILENT,
                () -> faulty.behaviour = FaultyUpstream.ANSWER,
                faulty::stop,
                () -> restart(faulty),
                () -> faulty.behaviour = FaultyUpstream.resetMidResponseAfter(Duration.ofMillis(20)),
                () -> faulty.behaviour = FaultyUpstream.GARBAGE,
                () -> faulty.behaviour = FaultyUpstream.CLOSE_ON_REUSE,
                () -> faulty.behaviour = FaultyUpstream.HALF_CLOSE,
                () -> faulty.behaviour = FaultyUpstream.ANSWER,
                () -> faulty.behaviour = FaultyUpstream.STATUS_503,
                () -> faulty.behaviour = FaultyUpstream.answerAfter(Duration.ofMillis(500)),
                () -> faulty.behaviour = FaultyUpstream.ANSWER_TWICE);
        AtomicInteger step = new AtomicInteger();
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Future<int[]>> results = new ArrayList<>();
        try {
            faults.scheduleWithFixedDelay(() -> {
                try {
                    cycle.get(step.getAndIncrement() % cycle.size()).run();
                } catch (Throwable e) {
                    faultFailure.compareAndSet(null, e);
                }
            }, 0, 1_200, TimeUnit.MILLISECONDS);
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(clients.submit(() -> soakClient(id, end)));
            }
            int ok = 0;
            int cut = 0;
            for (Future<int[]> f : results) {
                ok += f.get()[0];
                cut += f.get()[1];
            }
            System.out.printf("soak: %d answered 200, %d client connections cut%n", ok, cut);
            assertTrue(ok > 0, "nothing succeeded in 30 s");
        } finally {
            faults.shutdownNow();
            assertTrue(faults.awaitTermination(5, TimeUnit.SECONDS));
            clients.shutdownNow();
        }
        assertNull(faultFailure.get(), () -> "the fault cycle broke: " + faultFailure.get());

        if (!faulty.running()) {
            faulty.restart(); // the cycle ended with the upstream stopped
        }
        faulty.behaviour = FaultyUpstream.ANSWER;
        try (RawHttp c = new RawHttp(gateway.port())) {
            Poll.until(Duration.ofSeconds(15), "trade answers again",
                    () -> c.send(get(trade(1))).read().status() == 200);
            for (int i = 0; i < 20; i++) {
                assertAnswered(trade(i), c.send(get(trade(i))).read());
                assertAnswered("/v1/trades", c.send(post("recovery-key-" + i)).read());
            }
        }
        faulty.received.clear();
        task.received.clear();
        // Sockets and memory come back; closing and collecting happen on their own time, hence the polls.
        Poll.until(Duration.ofSeconds(15), "pooled trade connections bounded",
                () -> gateway.upstreamConnections("trade") <= 2 * threads);
        Poll.until(Duration.ofSeconds(15), "file descriptors back near " + fdsBefore,
                () -> openFds() <= fdsBefore + 20);
        Poll.until(Duration.ofSeconds(15), "heap back near " + (heapBefore >> 20) + " MiB",
                () -> usedHeapAfterGc() <= heapBefore + (32L << 20));
        // Resident memory: the heap's high-water mark and the pooled buffers' arenas stay mapped, so it
        // need not shrink; it must not have grown by more than a bounded margin either.
        Poll.until(Duration.ofSeconds(15), "RSS back near " + (rssBefore >> 20) + " MiB",
                () -> rssBytes() <= rssBefore + (96L << 20));
        System.out.printf("soak: %d fds (from %d), heap %d MiB (from %d), RSS %d MiB (from %d), %d trade "
                + "connections%n", openFds(), fdsBefore, usedHeapAfterGc() >> 20, heapBefore >> 20, rssBytes() >> 20,
                rssBefore >> 20, gateway.upstreamConnections("trade"));
    }

    private static void restart(FaultyUpstream upstream) {
        try {
            upstream.restart();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final Set<Integer> TRADE_STATUSES = Set.of(200, 502, 503, 504);

    /**
     * One client's loop: GETs, POSTs with and without Idempotency-Key, and task reads. Returns {successes,
     * connections cut}. Each answer must carry its own request id: none lost, none doubled, none swapped.
     */
    private int[] soakClient(int id, long end) throws Exception {
        int ok = 0;
        int cut = 0;
        RawHttp c = new RawHttp(gateway.port());
        try {
            for (int i = 0; System.nanoTime() - end < 0; i++) {
                String requestId = "soak-" + id + "-" + i;
                String req = switch (i % 4) {
                    case 0 -> get(trade(i));
                    case 1 -> post(null);
                    case 2 -> post("soak-key-" + id + "-" + i);
                    default -> get(TASK);
                };
                req = req.replaceFirst("\r\n", "\r\nX-Request-Id: " + requestId + "\r\n");
                RawHttp.Response r;
                try {
                    r = c.send(req).read();
                } catch (IOException e) {
                    cut++; // a reset mid-response cuts the client connection: expected, start a new one
                    c.close();
                    c = new RawHttp(gateway.port());
                    continue;
                }
                assertEquals(requestId, r.header("x-request-id"), "answered out of turn");
                String length = r.header("content-length");
                if (length != null && r.body().length < Integer.parseInt(length)) {
                    cut++; // the head came through, then the reset: the connection is gone
                    c.close();
                    c = new RawHttp(gateway.port());
                    continue;
                }
                if (i % 4 == 3) {
                    assertEquals(200, r.status(), "the task route suffered: " + r.text());
                } else {
                    assertTrue(TRADE_STATUSES.contains(r.status()), r.status() + " " + r.text());
                }
                if (r.status() == 200 && i % 4 != 3) {
                    // The upstream's answer to this very request (not a second answer to an earlier one).
                    assertAnswered(i % 4 == 0 ? trade(i) : "/v1/trades", r);
                }
                ok += r.status() == 200 ? 1 : 0;
                if ("close".equalsIgnoreCase(r.header("connection"))) {
                    c.close();
                    c = new RawHttp(gateway.port());
                }
            }
        } finally {
            c.close();
        }
        return new int[] {ok, cut};
    }

    /** This JVM's resident set (the gateway runs in it), from /proc/self/status. */
    private static long rssBytes() throws IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    private static long openFds() {
        String[] fds = new File("/proc/self/fd").list();
        assertNotNull(fds, "/proc/self/fd is not readable here");
        return fds.length;
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
