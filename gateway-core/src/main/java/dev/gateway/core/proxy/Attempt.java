package dev.gateway.core.proxy;

import dev.gateway.core.observe.Tracing;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.PooledEndpoint;
import dev.gateway.core.upstream.pool.UpstreamConnection;
import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.trace.Span;

/**
 * One try of a {@link ProxyCall} at one endpoint: the breaker permit it holds, when it started, its
 * client span, and the connection it leased. Its outcome is recorded exactly once, on the endpoint
 * ({@link Upstream#succeeded}, {@link Upstream#failed} or {@link Upstream#released}), in the endpoint's
 * metrics and in its span; later reports are ignored, so every path that ends a call may report without
 * knowing whether another already did. Event-loop only.
 */
final class Attempt {
    /** How an attempt went, for its endpoint's breaker and failure streak. */
    enum Outcome {
        /** An answer that is not 5xx. */
        GOOD,
        /** No connection, no answer, a 5xx, or a client that gave up waiting for the answer. */
        FAILED,
        /** Ended for the gateway's or the client's reasons: the permit goes back, the streak stays. */
        NO_VERDICT
    }

    private final PooledEndpoint pool;
    private final Upstream upstream;
    private final int number;
    private final long startNanos;
    /** The outcome is recorded: the endpoint's breaker permit is given back. */
    private boolean ended;
    private Span span;
    private UpstreamConnection connection;
    /** The leased connection had carried an earlier exchange: a close before any answer may be a stale one. */
    private boolean reused;

    /**
     * Starts an attempt and counts it as a call in flight on its pool (what balancing compares).
     *
     * @param pool where it goes, its endpoint's breaker permit already taken
     * @param number 0 for the first attempt, then the retries so far
     * @param tracing the tracer, or {@code null} when tracing is off
     * @param parent the exchange's server span, or {@code null}; with a tracer, the attempt's client span is
     *     its child and its context is written into {@code head} ({@code traceparent})
     */
    Attempt(PooledEndpoint pool, Upstream upstream, int number, Tracing tracing, Span parent, HttpRequest head) {
        this.pool = pool;
        this.upstream = upstream;
        this.number = number;
        this.startNanos = System.nanoTime();
        if (tracing != null && parent != null) {
            Endpoint e = pool.endpoint();
            span = tracing.clientSpan(parent, head, e.upstream(), e.address().getHostString(), e.address().getPort(),
                    number);
        }
        pool.callStarted();
    }

    PooledEndpoint pool() {
        return pool;
    }

    Endpoint endpoint() {
        return pool.endpoint();
    }

    /** 0 for the first attempt of a call, then how many retries came before this one. */
    int number() {
        return number;
    }

    /** The connection came: it is this attempt's until {@link #detach}. */
    void connected(UpstreamConnection c) {
        connection = c;
        reused = c.reused();
    }

    /** The leased connection, or {@code null} before it came or after {@link #detach}. */
    UpstreamConnection connection() {
        return connection;
    }

    /** Whether the connection had served an earlier exchange before this lease. */
    boolean reused() {
        return reused;
    }

    /** Lets go of the connection (the caller releases or has lost it) and returns it, or {@code null}. */
    UpstreamConnection detach() {
        UpstreamConnection c = connection;
        connection = null;
        return c;
    }

    /** Whether the outcome is recorded already. */
    boolean ended() {
        return ended;
    }

    /**
     * Records the outcome on the endpoint, its metrics and the span, and stops counting the attempt as a
     * call in flight. Does nothing when the outcome was recorded already.
     *
     * @param status the upstream's status for the span, or 0 when it gave none
     * @param error what went wrong, for the span; {@code null} when the upstream answered
     * @param nowNanos the end ({@link System#nanoTime}), for the attempt's duration
     */
    void end(Outcome outcome, int status, String error, long nowNanos) {
        if (ended) {
            return;
        }
        ended = true;
        Endpoint permit = pool.endpoint(); // whose breaker permit this attempt held
        long nanos = nowNanos - startNanos;
        switch (outcome) {
            case GOOD -> {
                upstream.succeeded(permit);
                permit.metrics().attemptSucceeded(nanos);
            }
            case FAILED -> {
                upstream.failed(permit);
                permit.metrics().attemptFailed(nanos);
            }
            default -> {
                upstream.released(permit);
                permit.metrics().attemptAbandoned(nanos);
            }
        }
        if (span != null) {
            Tracing.endClientSpan(span, status, error);
            span = null;
        }
        pool.callEnded();
    }
}
