package dev.gateway.core.stage;

import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A stage that looks at each request head once and either passes it on or answers it: body content
 * flows past untouched (after an answer, {@link ExchangeLifecycle} drops it).
 */
abstract class RequestStage extends ChannelInboundHandlerAdapter {
    private final ExchangeLifecycle exchanges;

    RequestStage(ExchangeLifecycle exchanges) {
        this.exchanges = exchanges;
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            onRequest(ctx, (HttpRequest) msg, exchanges.current());
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Either {@code ctx.fireChannelRead(request)}, or release the request and answer through
     * {@link Exchange#reject} / {@link Exchange#respond}.
     */
    abstract void onRequest(ChannelHandlerContext ctx, HttpRequest request, Exchange ex);
}
