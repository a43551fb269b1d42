package dev.gateway.core.proxy;

import dev.gateway.core.auth.Principal;
import dev.gateway.core.capture.CaptureRecord;
import dev.gateway.core.capture.CaptureTap;
import dev.gateway.core.capture.TrafficCapture;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.exchange.RequestRefused;
import dev.gateway.core.observe.Tracing;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.shadow.ShadowSession;
import dev.gateway.core.shadow.Shadowing;
import dev.gateway.core.split.CallerBuckets;
import dev.gateway.core.split.Migration;
import dev.gateway.core.split.RouteMigration;
import dev.gateway.core.split.RouteSplit;
import dev.gateway.core.split.Side;
import dev.gateway.core.upstream.PooledEndpoint;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The last stage: relays each routed request to a pooled upstream connection on this connection's own
 * event loop, and the response back, one {@link ProxyCall} per exchange.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(ProxyHandler.class);

    private final ExchangeLifecycle exchanges;
    private final UpstreamPools pools;
    private final Tracing tracing;
    /** The running split and shadow plan, or {@code null} outside a gateway (tests). */
    private final Migration migration;
    /** Shadow traffic, or {@code null} outside a gateway (tests). */
    private final Shadowing shadowing;
    /** The traffic capture, or {@code null} when it is off. */
    private final TrafficCapture capture;
    private UpstreamPools.LoopPools loopPools;
    private UpstreamPools.LoopPools shadowPools;
    private CallClock clock;
    private RetryPolicy retryPolicy;
    private ResponseRelay relay;

    /**
     * @param tracing the tracer, or {@code null} when tracing is off
     * @param rollout the split, shadow and capture of a migration
     */
    public ProxyHandler(ExchangeLifecycle exchanges, UpstreamPools pools, Tracing tracing, Rollout rollout) {
        this.exchanges = exchanges;
        this.pools = pools;
        this.tracing = tracing;
        this.migration = rollout.migration();
        this.shadowing = rollout.shadowing();
        this.capture = rollout.capture();
    }

    /**
     * A stage whose calls use these pools, whatever loop the client's channel is on: for a client channel
     * that is not one of the pools' loops' (an {@code EmbeddedChannel} driven on a pool's loop).
     */
    ProxyHandler(ExchangeLifecycle exchanges, UpstreamPools.LoopPools loopPools, Tracing tracing) {
        this.exchanges = exchanges;
        this.pools = null;
        this.loopPools = loopPools;
        this.tracing = tracing;
        this.migration = null;
        this.shadowing = null;
        this.capture = null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Once per connection, not per request: the pools of its loop, and what its calls use in turn.
        if (pools != null) {
            loopPools = pools.forLoop(ctx.channel().eventLoop());
        }
        if (shadowing != null) {
            shadowPools = shadowing.forLoop(ctx.channel().eventLoop());
        }
        clock = new CallClock(ctx.executor());
        retryPolicy = new RetryPolicy(loopPools);
        relay = new ResponseRelay(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            Exchange ex = exchanges.current();
            RoutedOperation op = ex.operation();
            RouteMigration m = migration == null ? null : migration.plan().route(op.route()); // one volatile read
            Upstream upstream = m == null || m.split() == null ? op.upstream() : split(ex, op, m);
            PooledEndpoint pool = loopPools.pick(upstream, null);
            if (pool == null) { // every breaker is open: answer without touching the network
                ReferenceCountUtil.release(msg);
                ex.rejectUnavailable(ctx, "upstream " + upstream.name() + " is failing; its circuit breakers are open",
                        upstream.retryAfterSeconds());
                return;
            }
            ProxyCall call = new ProxyCall(ctx, exchanges.gate(), clock, retryPolicy, relay, ex,
                    exchanges.clientAddress(), exchanges.secure(), tracing);
            ex.callStarted(call, upstream.name());
            if (m != null && m.shadow() != null && shadowing.admit(op.route(), m, ex.request().method(),
                    ex.contentLength())) {
                call.shadow(shadow(ctx, ex, m, upstream)); // before the head is rewritten for the primary
            }
            if (capture != null && capture.sampled()) {
                CaptureTap tap = capture(ex);
                call.capture(tap);
                ex.whenEnded(r -> tap.ended(r.status(), r.durationNanos()));
            }
            call.start((HttpRequest) msg, upstream, pool);
            return;
        }
        ProxyCall call = call();
        if (msg instanceof HttpContent && call != null) {
            call.requestContent((HttpContent) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The side of a split route the caller falls on (recorded on the exchange for the SLO guard). */
    private Upstream split(Exchange ex, RoutedOperation op, RouteMigration m) {
        Side side = migration.choose(op.route(), m.split(), ex.principal(), exchanges.clientAddress(),
                ex.request().headers().get(RouteSplit.OVERRIDE_HEADER));
        ex.split(side);
        return m.split().upstream(side);
    }

    /**
     * Starts the copies of an admitted request: to the shadow target and, sampled, a second time to the
     * stack that answers the caller (noise). Each gets its own head, rewritten for where it goes and marked.
     *
     * @return the session, or {@code null} when the target has no usable endpoint (counted)
     */
    private ShadowSession shadow(ChannelHandlerContext ctx, Exchange ex, RouteMigration m, Upstream primary) {
        HttpRequest request = ex.request();
        RoutedOperation op = ex.operation();
        Shadowing.Request r = new Shadowing.Request(op.route(), m.prefix(), op.operation().pathTemplate(),
                ex.requestId(), request.method().name(), ex.target().uri(), m.shadow());
        PooledEndpoint target = shadowPools.any(m.shadowTarget());
        if (target == null) {
            shadowing.unadmit(r, "skipped_no_endpoint");
            return null;
        }
        PooledEndpoint again = shadowing.baseline(m, request.method()) ? shadowPools.any(primary) : null;
        return shadowing.start(ctx.channel().eventLoop(), r, target, copyFor(ex, target, m.shadowTarget()),
                again, again == null ? null : copyFor(ex, again, primary));
    }

    /** Starts capturing the exchange, with the request as the caller sent it (the tap scrubs credentials). */
    private CaptureTap capture(Exchange ex) {
        HttpRequest request = ex.request();
        List<Map.Entry<String, String>> headers = new ArrayList<>(request.headers().size());
        for (Map.Entry<String, String> h : request.headers()) {
            headers.add(Map.entry(h.getKey(), h.getValue()));
        }
        Principal caller = ex.principal();
        return capture.tap(ex.startNanos(), CallerBuckets.identity(caller, exchanges.clientAddress()),
                caller == null ? CaptureRecord.NONE : caller.method(), ex.requestId(),
                ex.operation().operation().pathTemplate(), request.method().name(), ex.target().uri(), headers);
    }

    private HttpRequest copyFor(Exchange ex, PooledEndpoint to, Upstream upstream) {
        HttpRequest request = ex.request();
        HttpRequest copy = new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                request.headers().copy());
        ForwardedHeaders.toUpstream(copy, ex.requestId(), ex.contentLength(), ex.target(), ex.principal(),
                exchanges.clientAddress(), exchanges.secure(), to.endpoint().hostHeader(),
                upstream.config().forwardCredentials());
        copy.headers().set(ForwardedHeaders.X_GATEWAY_SHADOW, "1");
        return copy;
    }

    /**
     * The current exchange's call, if it has one. The exchange owns it and lets go of it when it ends
     * ({@link dev.gateway.core.exchange.UpstreamCall#abandon}), so a call never outlives its exchange here
     * and a call of an earlier exchange is never handed what belongs to the next one.
     */
    ProxyCall call() {
        Exchange ex = exchanges.current();
        return ex != null && ex.call() instanceof ProxyCall c ? c : null;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ProxyCall call = call();
        if (call != null) {
            call.flushUpstream();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof RequestRefused) {
            ProxyCall c = call();
            if (c != null) {
                RequestRefused refused = (RequestRefused) evt;
                c.refuse(refused.code(), refused.message());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ProxyCall call = call();
        if (call != null) {
            call.clientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * The last handler: an exception from a stage or a call is a bug, after which the exchange's state
     * cannot be trusted. Closing the connection ends the exchange and its call through the lifecycle
     * (buffers released, slot given back, the exchange recorded), so the client never waits for an answer
     * that will not come.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.error("closing a client connection after an unexpected error", cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clock.close(); // the exchange in flight, and its call, were ended by ExchangeLifecycle just before
        ctx.fireChannelInactive();
    }
}
