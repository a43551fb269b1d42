package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Power of two choices on the calls in flight, across two endpoints of one upstream. */
class BalancingTest {
    private static final String GET = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw\r\n"
            + "X-API-Key: it-key\r\n\r\n";

    private static DemoGateway start(TestUpstream a, TestUpstream b) throws InterruptedException {
        // One event loop: every call is counted by the same loop's pools, so the choice is deterministic.
        return TestGateway.start("eventLoops: 1\nupstreams:\n"
                + "  trade: {endpoints: [" + a.endpoint() + ", " + b.endpoint() + "], responseTimeout: 5s}\n"
                + "  task: {endpoints: [" + b.endpoint() + "]}\n");
    }

    @Test
    @Timeout(30)
    void equalEndpointsShareTheLoad() throws Exception {
        try (TestUpstream a = new TestUpstream(); TestUpstream b = new TestUpstream()) {
            DemoGateway gateway = start(a, b);
            try (RawHttp c = new RawHttp(gateway.port())) {
                for (int i = 0; i < 200; i++) {
                    assertEquals(200, c.send(GET).read().status());
                }
            } finally {
                gateway.close();
            }
            int toA = a.received.size();
            assertEquals(200, toA + b.received.size());
            // Binomial(200, 1/2): outside 60..140 once in ~10^8 runs, while one-sided balancing lands at 0 or 200.
            assertTrue(toA > 60 && toA < 140, "requests to the first endpoint: " + toA);
        }
    }

    @Test
    @Timeout(30)
    void anEndpointHoldingACallGetsNoMoreWhileTheOtherIsFree() throws Exception {
        try (TestUpstream slow = new TestUpstream(); TestUpstream fast = new TestUpstream()) {
            slow.mode = TestUpstream.Mode.SILENT;
            DemoGateway gateway = start(slow, fast);
            try {
                // Until one request lands on the silent endpoint and stays there, in flight.
                RawHttp held = null;
                for (int i = 0; i < 50 && held == null; i++) {
                    RawHttp c = new RawHttp(gateway.port());
                    c.send(GET);
                    TestUpstream.Recorded r = null;
                    while (r == null) { // it reaches one of the two: wait for whichever
                        r = slow.received.poll(10, TimeUnit.MILLISECONDS);
                        if (r == null && fast.received.poll() != null) {
                            assertEquals(200, c.read().status());
                            c.close();
                            break;
                        }
                    }
                    if (r != null) {
                        held = c;
                    }
                }
                assertTrue(held != null, "no request was drawn to the first endpoint in 50 tries");
                try (RawHttp c = new RawHttp(gateway.port())) {
                    for (int i = 0; i < 30; i++) {
                        assertEquals(200, c.send(GET).read().status());
                    }
                }
                assertEquals(30, fast.received.size(), "every request went where nothing was in flight");
                assertEquals(0, slow.received.size());
                held.close();
            } finally {
                gateway.close();
            }
        }
    }
}
