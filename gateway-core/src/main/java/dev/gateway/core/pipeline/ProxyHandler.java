package dev.gateway.core.pipeline;

import dev.gateway.codec.ErrorCode;
import dev.gateway.core.observe.Tracing;
import dev.gateway.core.upstream.EndpointPool;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * The last stage: relays each routed request to a pooled upstream connection on this connection's own
 * event loop, and the response back, one {@link ProxyCall} per exchange.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private final ExchangeStart exchanges;
    private final UpstreamPools pools;
    private final Tracing tracing;
    private UpstreamPools.LoopPools loopPools;
    private CallClock clock;

    /** @param tracing the tracer, or {@code null} when tracing is off */
    ProxyHandler(ExchangeStart exchanges, UpstreamPools pools, Tracing tracing) {
        this.exchanges = exchanges;
        this.pools = pools;
        this.tracing = tracing;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        loopPools = pools.forLoop(ctx.channel().eventLoop()); // once per connection, not per request
        clock = new CallClock(ctx.executor());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            Exchange ex = exchanges.current();
            Upstream upstream = ex.operation.upstream();
            EndpointPool pool = loopPools.pick(upstream, null);
            if (pool == null) { // every breaker is open: answer without touching the network
                ReferenceCountUtil.release(msg);
                ex.rejectUnavailable(ctx, "upstream " + upstream.name() + " is failing; its circuit breakers are open",
                        upstream.retryAfterSeconds());
                return;
            }
            ex.call = new ProxyCall(ctx, exchanges.gate(), clock, ex, loopPools, pool, exchanges.clientAddress(),
                    tracing);
            ex.call.start((HttpRequest) msg);
            return;
        }
        ProxyCall call = call();
        if (msg instanceof HttpContent && call != null) {
            call.requestContent((HttpContent) msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The current exchange's call, if it has one. The exchange owns it: an exchange that ends stops its
     * call ({@link Exchange#abandonCall}), so there is never a call here that outlived its exchange.
     */
    private ProxyCall call() {
        Exchange ex = exchanges.current();
        return ex == null ? null : ex.call;
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
        if (evt == ContractValidation.BODY_TOO_LARGE) {
            ProxyCall call = call();
            if (call != null) {
                call.refuse(ErrorCode.PAYLOAD_TOO_LARGE,
                        ContractValidation.tooLarge(exchanges.current().operation.rules()));
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

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        clock.close(); // the exchange in flight, and its call, were ended by ExchangeStart just before
        ctx.fireChannelInactive();
    }
}
