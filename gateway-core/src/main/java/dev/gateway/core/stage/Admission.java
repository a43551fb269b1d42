package dev.gateway.core.stage;

import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.upstream.Upstream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * Sheds load instead of queueing it: an exchange goes on only while its upstream has fewer than
 * {@code maxConcurrentRequests} in flight, else it gets 503 at once, before any of its body is read.
 * The slot is given back when the exchange ends ({@link ExchangeLifecycle}).
 */
public final class Admission extends RequestStage {
    /** @param exchanges the connection's lifecycle, which knows the exchange in flight and gives the slot back */
    public Admission(ExchangeLifecycle exchanges) {
        super(exchanges);
    }

    @Override
    void onRequest(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        Upstream upstream = ex.operation().upstream();
        if (upstream == null || upstream.tryAdmit()) {
            ex.admitted(upstream);
            ctx.fireChannelRead(request);
            return;
        }
        ReferenceCountUtil.release(request);
        ex.rejectUnavailable(ctx, "upstream " + upstream.name() + " has its limit of requests in flight", 1);
    }
}
