package dev.gateway.core.stage;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.ratelimit.RateClass;
import dev.gateway.core.ratelimit.RateLimiter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.client.Counter;

/**
 * Counts each authenticated request against its caller's bucket for the operation's class, and answers
 * 429 with {@code Retry-After} and the {@code RateLimit-*} headers when the bucket is empty.
 */
public final class RateLimiting extends RequestStage {
    static final AsciiString RATELIMIT_LIMIT = AsciiString.cached("ratelimit-limit");
    static final AsciiString RATELIMIT_REMAINING = AsciiString.cached("ratelimit-remaining");
    static final AsciiString RATELIMIT_RESET = AsciiString.cached("ratelimit-reset");
    private static final long SECOND = 1_000_000_000L;

    private final RateLimiter limiter;
    /** Refusals by rate class, indexed as the classes are. */
    private final Counter.Child[] refused;

    /**
     * @param exchanges the connection's lifecycle, which knows the exchange in flight
     * @param limiter the limiter shared by every connection
     * @param refused the refusal counters, indexed as the rate classes are ({@code GatewayMetrics.rateLimited})
     */
    public RateLimiting(ExchangeLifecycle exchanges, RateLimiter limiter, Counter.Child[] refused) {
        super(exchanges);
        this.limiter = limiter;
        this.refused = refused;
    }

    @Override
    void onRequest(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        RateClass c = ex.operation().rateClass();
        if (c == null || ex.principal() == null) {
            ctx.fireChannelRead(request);
            return;
        }
        long decision = limiter.tryAcquire(ex.principal().callerKey(), c);
        if (decision >= 0) {
            ctx.fireChannelRead(request);
            return;
        }
        ReferenceCountUtil.release(request);
        refused[c.index()].inc();
        long wait = RateLimiter.refusedFor(decision);
        // Full again once the missing token and the burst's others are back.
        long untilFull = wait + (c.burst() - 1) * c.intervalNanos();
        FullHttpResponse response = ErrorResponses.create(ctx.alloc(), ErrorCode.RATE_LIMITED,
                "over the rate of " + c.name() + ": " + formatRate(c), ex.requestId());
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.RETRY_AFTER, seconds(wait));
        h.set(RATELIMIT_LIMIT, c.burst());
        h.set(RATELIMIT_REMAINING, 0);
        h.set(RATELIMIT_RESET, seconds(untilFull));
        ex.respond(ctx, response);
    }

    /** Whole seconds, rounded up and at least 1: a client told 0 would retry at once. */
    private static long seconds(long nanos) {
        return Math.max(1, (nanos + SECOND - 1) / SECOND);
    }

    private static String formatRate(RateClass c) {
        double r = c.perSecond();
        return (r == Math.rint(r) ? String.valueOf((long) r) : String.valueOf(r)) + "/s, burst " + c.burst();
    }
}
