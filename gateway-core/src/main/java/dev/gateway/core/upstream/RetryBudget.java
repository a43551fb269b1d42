package dev.gateway.core.upstream;

import dev.gateway.core.config.GatewayConfig.RetryConfig;

/**
 * How many retries one event loop may send to one upstream: over the current and the previous 10 s
 * window, at most {@code budgetPercent} percent of the requests plus {@code minRetriesPerWindow}. When an
 * upstream fails as a whole, retries stop at that share instead of multiplying its load. One loop's
 * budget is touched by that loop only: plain fields.
 */
public final class RetryBudget {
    static final long WINDOW_NANOS = 10_000_000_000L;

    private final int percent;
    private final int minimum;
    private long windowStart;
    private int requests;
    private int retries;
    private int previousRequests;
    private int previousRetries;

    RetryBudget(RetryConfig config, long nowNanos) {
        this.percent = config.budgetPercent();
        this.minimum = config.minRetriesPerWindow();
        this.windowStart = nowNanos;
    }

    /** A first attempt: it earns the budget its share. */
    public void request(long nowNanos) {
        roll(nowNanos);
        requests++;
    }

    /** Whether a retry would fit in the budget now (nothing is taken). */
    public boolean hasRoom(long nowNanos) {
        roll(nowNanos);
        long allowed = (long) (requests + previousRequests) * percent / 100 + minimum;
        return retries + previousRetries < allowed;
    }

    /** Takes one retry from the budget, if there is one left. */
    public boolean tryRetry(long nowNanos) {
        if (!hasRoom(nowNanos)) {
            return false;
        }
        retries++;
        return true;
    }

    private void roll(long nowNanos) {
        long elapsed = nowNanos - windowStart;
        if (elapsed < WINDOW_NANOS) {
            return;
        }
        boolean adjacent = elapsed < 2 * WINDOW_NANOS;
        previousRequests = adjacent ? requests : 0;
        previousRetries = adjacent ? retries : 0;
        requests = 0;
        retries = 0;
        windowStart = nowNanos;
    }
}
