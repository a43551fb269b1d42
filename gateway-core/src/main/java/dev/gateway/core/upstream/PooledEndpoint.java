package dev.gateway.core.upstream;

import dev.gateway.core.upstream.pool.AcquireCallback;
import dev.gateway.core.upstream.pool.EndpointPool;

/**
 * One endpoint as one event loop uses it: the endpoint (address, breaker, health, ejection: shared by every
 * loop) and its pool of connections on this loop. Made once per loop per endpoint at start; what
 * {@link UpstreamPools.LoopPools#pick} hands out. Event-loop only, like its pool.
 */
public final class PooledEndpoint {
    private final Endpoint endpoint;
    private final EndpointPool pool;

    PooledEndpoint(Endpoint endpoint, EndpointPool pool) {
        this.endpoint = endpoint;
        this.pool = pool;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** This loop's connections to the endpoint. */
    public EndpointPool pool() {
        return pool;
    }

    /** Leases a connection from this loop's pool ({@link EndpointPool#acquire}). */
    public void acquire(AcquireCallback callback, boolean fresh) {
        pool.acquire(callback, fresh);
    }

    /** Withdraws a waiting acquire ({@link EndpointPool#cancel}). */
    public void cancel(AcquireCallback callback) {
        pool.cancel(callback);
    }

    /** A call to this endpoint begins on this loop; balancing prefers endpoints with fewer. */
    public void callStarted() {
        pool.callStarted();
    }

    /** That call's outcome is known. */
    public void callEnded() {
        pool.callEnded();
    }
}
