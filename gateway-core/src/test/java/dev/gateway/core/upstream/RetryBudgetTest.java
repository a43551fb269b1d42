package dev.gateway.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gateway.core.config.GatewayConfig.RetryConfig;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private static int retriesGranted(RetryBudget b, long now, int asked) {
        int granted = 0;
        for (int i = 0; i < asked; i++) {
            granted += b.tryRetry(now) ? 1 : 0;
        }
        return granted;
    }

    @Test
    void allowsThePercentOfRequestsPlusTheMinimum() {
        RetryBudget b = new RetryBudget(new RetryConfig(2, 20, 3), 0);
        assertEquals(3, retriesGranted(b, 0, 10), "with no traffic, only the minimum");
        for (int i = 0; i < 100; i++) {
            b.request(1);
        }
        assertEquals(20, retriesGranted(b, 2, 50), "20% of 100 requests, the 3 taken counted against it");
    }

    @Test
    void thePreviousWindowCountsThenAgesOut() {
        RetryBudget b = new RetryBudget(new RetryConfig(2, 20, 0), 0);
        for (int i = 0; i < 50; i++) {
            b.request(0);
        }
        long nextWindow = RetryBudget.WINDOW_NANOS + 1;
        assertEquals(10, retriesGranted(b, nextWindow, 20), "last window's requests still earn retries");
        assertEquals(0, retriesGranted(b, nextWindow + 1, 5), "and its retries are still spent");
        assertEquals(0, retriesGranted(b, 3 * RetryBudget.WINDOW_NANOS + 2, 5), "two windows on, nothing is left");
    }

    @Test
    void aZeroBudgetRefusesEveryRetry() {
        RetryBudget b = new RetryBudget(new RetryConfig(2, 0, 0), 0);
        for (int i = 0; i < 1000; i++) {
            b.request(0);
        }
        assertEquals(0, retriesGranted(b, 1, 10));
    }
}
