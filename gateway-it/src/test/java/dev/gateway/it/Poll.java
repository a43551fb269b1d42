package dev.gateway.it;

import java.time.Duration;

/** Waiting for states that no event announces (a breaker's delay, a health check's verdict). */
final class Poll {
    interface Condition {
        boolean holds() throws Exception;
    }

    private Poll() {
    }

    /** Checks {@code condition} every 20 ms until it holds; fails naming {@code what} after {@code within}. */
    static void until(Duration within, String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(20);
        }
    }
}
