package dev.gateway.core.upstream.pool;

/** Receives the outcome of {@link EndpointPool#acquire}, always on the pool's event loop. */
public interface AcquireCallback {
    void onAcquired(UpstreamConnection connection);

    /** @param cause why no connection could be had; {@link PoolExhaustedException} when the pool is full */
    void onAcquireFailed(Throwable cause);
}
