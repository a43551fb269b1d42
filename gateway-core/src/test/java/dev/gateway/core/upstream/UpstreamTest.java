package dev.gateway.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Breakers, outlier ejection, admission and readiness of one upstream, without the network. */
class UpstreamTest {
    private static Upstream upstream(String settings, int endpoints) {
        UpstreamConfig c = GatewayConfig.fromYaml("upstreams: {trade: {endpoints: [127.0.0.1:1]" + settings + "}}",
                "test").upstreams().get("trade");
        List<Endpoint> list = new java.util.ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            list.add(new Endpoint("trade", "127.0.0.1", 1000 + i, c.breaker()));
        }
        Upstream u = new Upstream(0, c, list);
        list.forEach(e -> e.checkedHealthy(true));
        return u;
    }

    @Test
    void theBreakerOpensAtTheFailureRateAndThenRefusesPermits() {
        Upstream u = upstream(", breaker: {failureRateThreshold: 50, minimumCalls: 4, openDelay: 1m}, "
                + "outlierEjection: {consecutiveFailures: 100}", 1);
        Endpoint e = u.endpoints().get(0);
        assertTrue(e.tryAcquirePermit());
        u.succeeded(e);
        for (int i = 0; i < 3; i++) {
            assertTrue(e.tryAcquirePermit());
            u.failed(e);
        }
        assertTrue(e.breakerOpen(), "3 failures of 4 calls is over 50%");
        assertFalse(e.tryAcquirePermit());
        assertEquals(Upstream.State.OPEN, u.state());
        assertFalse(u.up());
        long retryAfter = u.retryAfterSeconds();
        assertTrue(retryAfter > 50 && retryAfter <= 60, "seconds until the trial call: " + retryAfter);
    }

    @Test
    void consecutiveFailuresEjectButNeverMoreThanTheShareAllowed() {
        Upstream u = upstream(", breaker: {minimumCalls: 1000}, "
                + "outlierEjection: {consecutiveFailures: 3, baseEjectionTime: 1m, maxEjectionPercent: 50}", 2);
        Endpoint a = u.endpoints().get(0);
        Endpoint b = u.endpoints().get(1);
        u.failed(a);
        u.failed(a);
        u.succeeded(a); // a success breaks the streak
        u.failed(a);
        u.failed(a);
        assertTrue(a.usable(System.nanoTime()), "four failures, but never three in a row");
        u.failed(a);
        assertFalse(a.usable(System.nanoTime()), "three in a row: ejected");
        for (int i = 0; i < 5; i++) {
            u.failed(b);
        }
        assertTrue(b.usable(System.nanoTime()), "ejecting b too would leave no endpoint (over 50%)");
    }

    @Test
    void eachEjectionLastsLongerUpToTheMaximum() {
        Upstream u = upstream(", breaker: {minimumCalls: 1000}, outlierEjection: {consecutiveFailures: 1, "
                + "baseEjectionTime: 1m, maxEjectionTime: 150s, maxEjectionPercent: 50}", 2);
        Endpoint a = u.endpoints().get(0);
        long[] expectedSeconds = {60, 120, 150, 150}; // base x recent ejections, capped
        for (long seconds : expectedSeconds) {
            long before = System.nanoTime();
            u.failed(a);
            long lasts = a.lastEjectionEndNanos - before;
            assertTrue(lasts >= seconds * 1_000_000_000L && lasts < (seconds + 5) * 1_000_000_000L,
                    "expected about " + seconds + " s, got " + lasts / 1_000_000 + " ms");
            a.eject(System.nanoTime() - 1); // as if that ejection had run its course
        }
    }

    @Test
    void admissionStopsAtTheLimitAndResumesWhenExchangesLeave() {
        Upstream u = upstream(", maxConcurrentRequests: 2", 1);
        assertTrue(u.tryAdmit());
        assertTrue(u.tryAdmit());
        assertFalse(u.tryAdmit());
        u.leave();
        assertTrue(u.tryAdmit());
        assertEquals(2, u.inFlight());
    }

    /** RFC 9110 section 7.2: an IPv6 endpoint's Host field carries its address in brackets. */
    @Test
    void anEndpointsHostFieldIsHostColonPortWithAnIpv6AddressInBrackets() {
        UpstreamConfig c = GatewayConfig.fromYaml("upstreams: {trade: {endpoints: ['[::1]:9001']}}", "test")
                .upstreams().get("trade");
        assertEquals("[::1]:9001", new Endpoint("trade", "::1", 9001, c.breaker()).hostHeader().toString());
        assertEquals("trade.internal:80", new Endpoint("trade", "trade.internal", 80, c.breaker()).hostHeader()
                .toString());
    }

    @Test
    void readinessNeedsACheckedHealthyEndpoint() {
        UpstreamConfig c = GatewayConfig.fromYaml("upstreams: {trade: {endpoints: [127.0.0.1:1]}}", "test")
                .upstreams().get("trade");
        Endpoint e = new Endpoint("trade", "127.0.0.1", 1, c.breaker());
        Upstream u = new Upstream(0, c, List.of(e));
        assertEquals(Upstream.State.DOWN, u.state(), "no check has answered yet");
        e.checkedHealthy(false);
        assertEquals(Upstream.State.DOWN, u.state());
        e.checkedHealthy(true);
        assertEquals(Upstream.State.UP, u.state());
    }
}
