package dev.gateway.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.http.HttpMethod;
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
    void droppedLogLinesAreReadAtScrapeTime() {
        GatewayMetrics m = new GatewayMetrics();
        long[] dropped = {3};
        m.countDroppedLogLines(() -> dropped[0]);
        dropped[0] = 5;
        assertEquals(5.0, m.registry().getSampleValue("gateway_log_lines_dropped_total"));
    }
}
