package dev.gateway.core.ratelimit;

/**
 * One kind of request a caller's rate is counted by (the reads of one upstream, say), with its bucket.
 *
 * @param index this class's slot in a caller's state, 0 to the number of classes - 1
 * @param name for logs and errors, such as {@code trade.write}
 */
public record RateClass(int index, String name, double perSecond, int burst) {
    /** Time for one token to come back. */
    public long intervalNanos() {
        return Math.max(1L, Math.round(1e9 / perSecond));
    }
}
