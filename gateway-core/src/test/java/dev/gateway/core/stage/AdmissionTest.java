package dev.gateway.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.stage.StageHarness.Answer;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.testing.LeakGuard;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Admission} alone, over the real {@code Upstream}s of a configuration where trade takes at most
 * {@value StageFixture#TRADE_MAX_CONCURRENT} exchanges at once. Each harness is one client connection;
 * they share the upstreams, as the connections of a gateway do. The slot is given back by
 * {@code ExchangeLifecycle} when the exchange ends, answered or cut.
 */
@ExtendWith(LeakGuard.class)
class AdmissionTest {
    private static final String TRADE = "/v1/trades/trd_0123456789abcdefghij";

    private static StageFixture fixture;
    private final List<StageHarness> connections = new ArrayList<>();

    @BeforeAll
    static void parts() {
        fixture = new StageFixture();
    }

    @AfterAll
    static void closeParts() {
        fixture.close();
    }

    @AfterEach
    void everyBufferReleasedAndEverySlotBack() {
        connections.forEach(StageHarness::close);
        fixture.upstreams.values().forEach(u -> assertEquals(0, u.inFlight(), u.name() + " slots left taken"));
    }

    private StageHarness connection() {
        StageHarness h = new StageHarness(fixture, fixture.routed(), s -> new Admission(s.exchanges));
        connections.add(h);
        return h;
    }

    private static StageHarness get(StageHarness h, String path) {
        h.send("GET " + path + " HTTP/1.1\r\nHost: gw\r\n\r\n");
        return h;
    }

    private static Upstream trade() {
        return fixture.upstream("trade");
    }

    @Test
    void atTheUpstreamsLimitAnExchangeGets503WithRetryAfterAtOnce() {
        StageHarness a = get(connection(), TRADE);
        StageHarness b = get(connection(), TRADE);
        assertEquals(1, a.passedRequests().size());
        assertEquals(1, b.passedRequests().size());
        assertEquals(2, trade().inFlight());

        StageHarness c = get(connection(), TRADE);
        Answer refused = c.answer();
        assertEquals(503, refused.status());
        assertEquals("UPSTREAM_UNAVAILABLE", refused.code());
        assertEquals("upstream trade has its limit of requests in flight", refused.message());
        assertEquals("1", refused.headers().get("retry-after"));
        assertFalse(refused.closes());
        assertTrue(c.passed.isEmpty());
        assertEquals(2, trade().inFlight(), "a refused exchange takes no slot");
        assertEquals(0, c.state.inFlight(), "and is over");
        assertTrue(a.answers().isEmpty() && b.answers().isEmpty(), "those admitted are not disturbed");
    }

    @Test
    void theSlotIsGivenBackWhenTheExchangeIsAnswered() {
        StageHarness a = get(connection(), TRADE);
        StageHarness b = get(connection(), TRADE);
        a.answerAsUpstream(HttpResponseStatus.OK);
        assertEquals(200, a.answer().status());
        assertEquals(1, trade().inFlight(), "the answered exchange's slot is back");

        StageHarness c = get(connection(), TRADE);
        assertTrue(c.answers().isEmpty());
        assertEquals(1, c.passedRequests().size(), "the freed slot admits the next");
        assertEquals(2, trade().inFlight());

        get(a, TRADE); // the first connection's next request: the limit again
        assertEquals(503, a.answer().status());
        assertEquals(2, trade().inFlight());
        assertEquals(1, b.passedRequests().size());
    }

    @Test
    void theSlotIsGivenBackWhenTheClientLeavesBeforeItsAnswer() {
        StageHarness a = get(connection(), TRADE);
        get(connection(), TRADE);
        assertEquals(2, trade().inFlight());
        a.channel.close();
        a.channel.runPendingTasks();
        assertEquals(1, trade().inFlight());
        assertEquals(List.of(499), a.ended.stream().map(r -> r.status()).toList(), "ended without an answer");
        assertEquals(1, get(connection(), TRADE).passedRequests().size());
    }

    @Test
    void aSlotIsGivenBackOnceWhenTheAnswerIsFollowedByTheClose() {
        StageHarness a = get(connection(), TRADE);
        a.answerAsUpstream(HttpResponseStatus.OK);
        a.answers();
        a.channel.close();
        a.channel.runPendingTasks();
        assertEquals(0, trade().inFlight(), "never below zero: the slot is given back once");
    }

    @Test
    void oneUpstreamAtItsLimitDoesNotHoldBackAnother() {
        get(connection(), TRADE);
        get(connection(), TRADE);
        StageHarness task = get(connection(), "/v1/tasks/tsk_0123456789abcdefghij");
        assertEquals(1, task.passedRequests().size());
        assertEquals(1, fixture.upstream("task").inFlight());
        assertEquals(2, trade().inFlight());
    }

    @Test
    void aRefusedRequestsBodyIsDroppedAndReleased() {
        get(connection(), TRADE);
        get(connection(), TRADE);
        StageHarness c = connection();
        c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n"
                + "{\"a\":");
        assertEquals(503, c.answer().status());
        c.send("true}");
        assertTrue(c.passed.isEmpty(), "neither head nor body goes on");
        assertEquals(0, c.state.inFlight(), "the exchange ended once its body was read");
        assertEquals(2, trade().inFlight());
    }
}
