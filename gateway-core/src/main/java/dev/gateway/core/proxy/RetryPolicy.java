package dev.gateway.core.proxy;

import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.PooledEndpoint;
import dev.gateway.core.upstream.RetryBudget;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools.LoopPools;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

/**
 * When a failed attempt may be sent again, and the route's total timeout that bounds every attempt.
 *
 * <p>A request is retried only when none of it can have reached the upstream: the connection never came
 * (head and body are still in the call), or a reused connection closed without sending a byte back, for
 * a request without a body (its head is kept and written again). Only idempotent methods (RFC 9110
 * §9.2.2) or requests carrying an {@code Idempotency-Key}; at most {@code retries.maxRetries} times; not
 * once the total timeout has passed; within the loop's {@link RetryBudget}; after a refused or timed-out
 * connection only on another endpoint.
 *
 * <p>One per client connection, used by each of its calls in turn (a connection has one call under way at a
 * time, and a call that is done never asks again), so a request allocates nothing for it. Event-loop only.
 */
final class RetryPolicy {
    private static final AsciiString IDEMPOTENCY_KEY = AsciiString.cached("idempotency-key");

    private final LoopPools pools;
    /** The current call's upstream's budget on this loop. */
    private RetryBudget budget;
    /**
     * When the current call's total timeout ends ({@link System#nanoTime}); 0 for streams. Counted from
     * the start of forwarding to the response head, over every attempt.
     */
    private long totalDeadlineNanos;
    /** The deadline last bounded was cut to the total one: when it passes, it is a timeout whatever the phase. */
    private boolean totalArmed;

    /** Where the current call goes: the route's upstream, or the other side of its split. */
    private Upstream upstream;

    /** @param pools this loop's pools and retry budgets */
    RetryPolicy(LoopPools pools) {
        this.pools = pools;
    }

    /**
     * A call starts forwarding: its total timeout runs from now, and it earns the budget its share.
     *
     * @param upstream where it goes (retries go there too)
     * @param nowNanos {@link System#nanoTime}
     */
    void begin(RoutedOperation op, Upstream upstream, long nowNanos) {
        this.upstream = upstream;
        budget = pools.retryBudget(upstream);
        // From the moment forwarding starts: a held JSON body is complete by then, and the client's own
        // pace of sending is on its own clock (client.bodyIdleTimeout), not the route's.
        totalDeadlineNanos = op.totalTimeout() == null ? 0 : nowNanos + op.totalTimeout().toNanos();
        totalArmed = false;
        budget.request(nowNanos);
    }

    /**
     * A deadline for the current phase, cut to what is left of the total timeout when that comes first.
     * Only for phases before the response starts (the total timeout ends at the response head).
     *
     * @param timeoutNanos the phase's own timeout
     * @return the timeout to arm (nanoseconds, at least 0)
     */
    long bound(long timeoutNanos) {
        totalArmed = false;
        if (totalDeadlineNanos != 0) {
            long left = totalDeadlineNanos - System.nanoTime();
            if (left <= timeoutNanos) {
                totalArmed = true;
                timeoutNanos = Math.max(0, left);
            }
        }
        return timeoutNanos;
    }

    /** Whether the deadline last bounded is the total one: its expiry is the route's total timeout. */
    boolean totalArmed() {
        return totalArmed;
    }

    /**
     * Decides a retry after a failed attempt and, when there is one, takes it from the budget and picks
     * where it goes.
     *
     * @param retriesSoFar retries the call has made already
     * @param failed the endpoint that failed, avoided when a refusal was the cause
     * @param nothingWritten the connection never came; otherwise a reused connection closed before answering
     * @param wholeRequestSent the whole request was written on that connection
     * @param headKept a body-less request's head is kept for sending again
     * @return the pool for the retry, its endpoint's breaker permit taken; {@code null}: no retry
     */
    PooledEndpoint next(Exchange ex, int retriesSoFar, Endpoint failed, boolean nothingWritten,
            boolean wholeRequestSent, boolean headKept) {
        Upstream u = upstream;
        long now = System.nanoTime();
        if (retriesSoFar >= u.config().retries().maxRetries() || !idempotent(ex.request())
                || (!nothingWritten && (!wholeRequestSent || ex.bodyExpected() || !headKept))
                || (totalDeadlineNanos != 0 && now - totalDeadlineNanos >= 0)) {
            return null;
        }
        if (!budget.hasRoom(now)) {
            u.metrics().retryBudgetExhausted();
            return null;
        }
        // After a refused or timed-out connection, only another endpoint (the same one would most likely
        // refuse again, or make the client wait another connect timeout); a stale connection says nothing
        // against its endpoint, and a new connection to any will do.
        PooledEndpoint next = pools.pick(u, nothingWritten ? failed : null);
        if (next == null) {
            return null;
        }
        budget.tryRetry(now); // there was room a moment ago, on this same loop
        u.metrics().retried();
        return next;
    }

    /** Safe to send twice: the method says so (RFC 9110 §9.2.2), or the client's {@code Idempotency-Key} does. */
    static boolean idempotent(HttpRequest request) {
        HttpMethod m = request.method();
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.PUT)
                || m.equals(HttpMethod.DELETE) || m.equals(HttpMethod.OPTIONS)
                || request.headers().contains(IDEMPOTENCY_KEY);
    }
}
