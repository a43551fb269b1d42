package dev.gateway.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.auth.Unauthenticated;
import dev.gateway.core.stage.StageHarness.Answer;
import dev.gateway.testing.LeakGuard;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RateLimiting} alone, with a real {@code LocalRateLimiter} and the rate classes of a small
 * configuration: trade reads 0.1/s with a burst of 2, trade writes 0.1/s with a burst of 1, task not
 * limited. Routing's and authentication's work (target, operation, caller) is given; each test's callers
 * are JWT subjects of their own, so no bucket carries over from another test.
 */
@ExtendWith(LeakGuard.class)
class RateLimitingTest {
    private static final String TRADE = "/v1/trades/trd_0123456789abcdefghij";

    private static StageFixture fixture;
    private StageHarness h;
    /** A caller no other test has used. */
    private final String caller = "svc-" + UUID.randomUUID();

    @BeforeAll
    static void parts() {
        fixture = new StageFixture();
    }

    @AfterAll
    static void closeParts() {
        fixture.close();
    }

    @BeforeEach
    void rateLimiting() {
        h = new StageHarness(fixture, (ex, request) -> {
            fixture.routed().apply(ex, request);
            String authorization = request.headers().get("authorization");
            if (authorization != null) {
                try {
                    ex.authenticated(fixture.authenticator.authenticate(authorization, null));
                } catch (Unauthenticated e) {
                    throw new AssertionError(e);
                }
            }
        }, s -> new RateLimiting(s.exchanges, fixture.rateLimiter, fixture.rateLimited()));
    }

    @AfterEach
    void everyBufferReleased() {
        h.close();
    }

    /**
     * One request on the connection: the stage's answer, or {@code null} when it passed on (the exchange
     * is then answered as the upstream would, so the next request is not held behind it).
     */
    private Answer call(String method, String path, String subject) {
        int before = h.passedRequests().size();
        h.send(method + " " + path + " HTTP/1.1\r\nHost: gw\r\n"
                + (subject == null ? "" : "Authorization: Bearer " + StageFixture.jwt(subject,
                        "trades:read trades:write tasks:read tasks:write") + "\r\n") + "\r\n");
        if (h.passedRequests().size() > before) {
            h.answerAsUpstream(HttpResponseStatus.OK);
            assertEquals(200, h.answer().status());
            return null;
        }
        return h.answer();
    }

    private static double refused(String rateClass) {
        return fixture.sample("gateway_rate_limited_total", "class", rateClass);
    }

    @Test
    void underTheRateRequestsPassAndOverItTheyGet429WithRetryAfterAndRateLimitHeaders() {
        double before = refused("trade.read");
        assertNull(call("GET", TRADE, caller), "the burst's first token");
        assertNull(call("GET", "/v1/trades?accountId=ACC-00012345", caller),
                "the burst's second, for any read of trade");
        Answer a = call("GET", TRADE, caller);
        assertEquals(429, a.status());
        assertEquals("RATE_LIMITED", a.code());
        assertEquals("over the rate of trade.read: 0.1/s, burst 2", a.message());
        assertEquals("10", a.headers().get("retry-after"), "one token comes back every 10 s");
        assertEquals("2", a.headers().get("ratelimit-limit"));
        assertEquals("0", a.headers().get("ratelimit-remaining"));
        assertEquals("20", a.headers().get("ratelimit-reset"), "the whole burst is back in 20 s");
        assertFalse(a.closes(), "a refused request leaves the connection as it was");
        assertEquals(2, h.passedRequests().size(), "the refused request did not go on");
        assertEquals(1.0, refused("trade.read") - before, 1e-9);
        assertEquals(List.of(200, 200, 429), h.ended.stream().map(r -> r.status()).toList());
        assertEquals(caller, h.ended.get(2).principal().subject(), "the refused caller is still known to the log");
    }

    @Test
    void callersAndReadsAndWritesHaveBucketsApart() {
        assertNull(call("GET", TRADE, caller));
        assertNull(call("GET", TRADE, caller));
        assertEquals(429, call("GET", TRADE, caller).status());
        assertNull(call("GET", TRADE, caller + "-other"), "another caller has a bucket of its own");
        assertNull(call("DELETE", TRADE, caller), "writes are counted apart from reads");
        Answer a = call("DELETE", TRADE, caller);
        assertEquals(429, a.status());
        assertEquals("over the rate of trade.write: 0.1/s, burst 1", a.message());
        assertEquals("1", a.headers().get("ratelimit-limit"));
        assertEquals("10", a.headers().get("retry-after"));
        assertEquals("10", a.headers().get("ratelimit-reset"), "a burst of one is full again with its one token");
    }

    @Test
    void anOperationWithoutARateClassIsNeverLimited() {
        for (int i = 0; i < 10; i++) {
            assertNull(call("GET", "/v1/tasks/tsk_0123456789abcdefghij", caller), "task is not limited: " + i);
        }
        assertEquals(10, h.passedRequests().size());
    }

    @Test
    void aRequestWithoutACallerIsNotCounted() {
        // Only open operations come this far without a caller; the stage leaves them alone.
        for (int i = 0; i < 5; i++) {
            assertNull(call("GET", TRADE, null), "no caller, no bucket: " + i);
        }
        assertNull(call("GET", TRADE, caller), "and nobody's bucket was spent on them");
        assertNull(call("GET", TRADE, caller));
        assertTrue(h.answers().isEmpty());
    }

    @Test
    void theSameCallerIsLimitedAcrossConnections() {
        assertNull(call("GET", TRADE, caller));
        assertNull(call("GET", TRADE, caller));
        h.close();
        rateLimiting(); // a new connection, the same limiter
        assertEquals(429, call("GET", TRADE, caller).status());
    }
}
