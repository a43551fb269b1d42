package dev.gateway.core.pipeline;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.core.admin.Probes;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.route.RoutedOperation;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/** Finds the contract operation of a request: 404 for an unknown path, 405 (with Allow) for a method. */
final class Routing extends ChannelInboundHandlerAdapter {
    private final ExchangeStart exchanges;
    private final RouteTable routes;
    private final Probes probes;

    Routing(ExchangeStart exchanges, RouteTable routes, Probes probes) {
        this.exchanges = exchanges;
        this.routes = routes;
        this.probes = probes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpRequest request = (HttpRequest) msg;
        Exchange ex = exchanges.current();
        Route route = routes.match(ex.target.path());
        if (route == null) {
            ReferenceCountUtil.release(msg);
            ex.reject(ctx, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND.defaultMessage());
            return;
        }
        RoutedOperation op = route.operation(request.method());
        if (op == null) {
            ReferenceCountUtil.release(msg);
            FullHttpResponse response = ErrorResponses.create(ctx.alloc(), ErrorCode.METHOD_NOT_ALLOWED,
                    ex.requestId);
            response.headers().set(HttpHeaderNames.ALLOW, route.allow());
            ex.respond(ctx, response);
            return;
        }
        ex.operation = op;
        if (op.local() != null) {
            ReferenceCountUtil.release(msg);
            ex.respond(ctx, op.local() == RoutedOperation.LocalEndpoint.HEALTH
                    ? probes.health(ctx.alloc()) : probes.readiness(ctx.alloc()));
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
