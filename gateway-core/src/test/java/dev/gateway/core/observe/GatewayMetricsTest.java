package dev.gateway.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.http.HttpMethod;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.async.EventRoute;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
    @Test
    void methodLabelsStayFewWhateverClientsSend() {
        assertEquals("GET", GatewayMetrics.methodLabel(HttpMethod.GET));
        assertEquals("PATCH", GatewayMetrics.methodLabel(HttpMethod.valueOf("PATCH")));
        assertEquals("OTHER", GatewayMetrics.methodLabel(HttpMethod.valueOf("BREW")));
        assertEquals("OTHER", GatewayMetrics.methodLabel(HttpMethod.valueOf("get")));
        assertEquals("OTHER", GatewayMetrics.methodLabel(null));
    }

    @Test
    void unroutedSeriesAreResolvedOncePerMethodAndPath() {
        GatewayMetrics m = new GatewayMetrics();
        RouteMetrics a = m.unrouted(HttpMethod.valueOf("BREW"), GatewayMetrics.UNMATCHED);
        assertSame(a, m.unrouted(HttpMethod.valueOf("WHEN"), GatewayMetrics.UNMATCHED));
        a.exchange(404, 1_000_000, 0, 96);
        assertEquals(1.0, m.registry().getSampleValue("http_request_duration_seconds_count",
                new String[] {"method", "path", "status_code"}, new String[] {"OTHER", "#unmatched", "404"}));
        assertEquals(96.0, m.registry().getSampleValue("gateway_response_body_bytes_total",
                new String[] {"method", "path"}, new String[] {"OTHER", "#unmatched"}));
    }

    @Test
    void aFullLogQueueDropsAndCountsExceptOnTheLoggingThreadItself() {
        DropWhenFull policy = new DropWhenFull();
        long before = DropWhenFull.dropped();
        assertEquals(EventRoute.DISCARD, policy.getRoute(Thread.currentThread().getId() + 1, Level.INFO));
        assertEquals(EventRoute.SYNCHRONOUS, policy.getRoute(Thread.currentThread().getId(), Level.INFO));
        assertEquals(before + 1, DropWhenFull.dropped());
    }
}
