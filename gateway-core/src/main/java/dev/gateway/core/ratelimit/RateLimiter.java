package dev.gateway.core.ratelimit;

/**
 * Decides whether a caller may make one more request of a class. The gateway's own implementation,
 * {@link LocalRateLimiter}, counts per replica; one backed by a shared store (Redis, say) would give
 * one limit across replicas, behind this same call.
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
