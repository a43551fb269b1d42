package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Active HTTP health checks: their path, their thresholds, and what /readyz makes of them. */
class HealthCheckTest {
    private static String readiness(DemoGateway g) throws Exception {
        try (RawHttp c = new RawHttp(g.adminPort())) {
            RawHttp.Response r = c.send("GET /readyz HTTP/1.1\r\nHost: admin\r\n\r\n").read();
            return r.status() + " " + r.text();
        }
    }

    /** Readiness once it says {@code expected}: the checks run on their own clock. */
    private static String awaitReadiness(DemoGateway g, String expected) throws Exception {
        Poll.until(Duration.ofSeconds(10), "readiness with " + expected, () -> readiness(g).contains(expected));
        return readiness(g);
    }

    @Test
    @Timeout(30)
    void theCheckPathDecidesHealthAfterItsThresholds() throws Exception {
        try (TestUpstream trade = new TestUpstream(); TestUpstream task = new TestUpstream()) {
            DemoGateway g = TestGateway.start("upstreams:\n"
                    + "  trade: {endpoints: [" + trade.endpoint() + "], healthCheck: {path: /health, interval: 50ms,"
                    + " healthyThreshold: 2, unhealthyThreshold: 3}}\n"
                    + "  task: {endpoints: [" + task.endpoint() + "]}\n");
            try {
                String ready = awaitReadiness(g, "\"trade\":\"up\"");
                assertTrue(ready.startsWith("200 ") && ready.contains("\"task\":\"up\""), ready);
                TestUpstream.Recorded check = trade.received.poll(5, TimeUnit.SECONDS);
                assertEquals("GET", check.method());
                assertEquals("/health", check.uri());

                trade.responder = r -> TestUpstream.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{}");
                trade.received.clear();
                String down = awaitReadiness(g, "\"trade\":\"down\"");
                assertTrue(down.startsWith("503 ") && down.contains("not_ready"), down);
                // Three failed checks in a row: at most one of them (in flight at the switch) came before
                // the clear, so at least two since; a threshold of one would turn it down after one.
                assertTrue(trade.received.size() >= 2, "checks since the switch: " + trade.received.size());

                trade.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{}");
                assertTrue(awaitReadiness(g, "\"trade\":\"up\"").startsWith("200 "));
            } finally {
                g.close();
            }
        }
    }
}
