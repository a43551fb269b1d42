package dev.gateway.core.stage;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.core.admin.Probes;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.route.RoutedOperation;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/** Finds the contract operation of a request: 404 for an unknown path, 405 (with Allow) for a method. */
public final class Routing extends RequestStage {
    private final RouteTable routes;
    private final Probes probes;

    /**
     * @param exchanges the connection's lifecycle, which knows the exchange in flight
     * @param routes the route table, bound once at start
     * @param probes the answers to {@code /healthz} and {@code /readyz}
     */
    public Routing(ExchangeLifecycle exchanges, RouteTable routes, Probes probes) {
        super(exchanges);
        this.routes = routes;
        this.probes = probes;
    }

    @Override
    void onRequest(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        Route route = routes.match(ex.target().path());
        if (route == null) {
            ReferenceCountUtil.release(request);
            ex.reject(ctx, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND.defaultMessage());
            return;
        }
        RoutedOperation op = route.operation(request.method());
        if (op == null) {
            ReferenceCountUtil.release(request);
            ex.pathMatched(route.template());
            FullHttpResponse response = ErrorResponses.create(ctx.alloc(), ErrorCode.METHOD_NOT_ALLOWED,
                    ex.requestId());
            response.headers().set(HttpHeaderNames.ALLOW, route.allow());
            ex.respond(ctx, response);
            return;
        }
        ex.routed(op);
        if (op.local() != null) {
            ReferenceCountUtil.release(request);
            ex.respond(ctx, op.local() == RoutedOperation.LocalEndpoint.HEALTH
                    ? probes.health(ctx.alloc()) : probes.readiness(ctx.alloc()));
            return;
        }
        ctx.fireChannelRead(request);
    }
}
