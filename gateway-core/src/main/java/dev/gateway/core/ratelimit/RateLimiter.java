package dev.gateway.core.ratelimit;

/**
 * Decides whether a caller may make one more request of a class. {@link LocalRateLimiter} counts per
 * replica ({@code rateLimits.store: local}); {@link LeasedRateLimiter} gives one limit across replicas on
 * Redis ({@code rateLimits.store: redis}), behind this same call.
 */
public interface RateLimiter extends AutoCloseable {
    /**
     * Takes one token from the caller's bucket of that class, if there is one.
     *
     * @return the tokens left (0 or more) when the request may go, or {@code -1 - nanos} when it may not,
     *     where {@code nanos} is how long until a token is back ({@link #refusedFor})
     */
    long tryAcquire(String caller, RateClass rateClass);

    /** The wait encoded in a refusal of {@link #tryAcquire}. */
    static long refusedFor(long decision) {
        return -1 - decision;
    }

    @Override
    void close();
}
