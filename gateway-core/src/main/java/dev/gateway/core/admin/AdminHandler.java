package dev.gateway.core.admin;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.codec.RequestIds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * The admin listener: {@code GET /metrics} (Prometheus text 0.0.4), {@code /healthz}, {@code /readyz},
 * and the migration's {@code /admin/...} endpoints ({@link MigrationAdmin}, token required).
 * It runs on its own thread, so a scrape never delays a proxied request.
 */
@ChannelHandler.Sharable
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Probes probes;
    private final CollectorRegistry registry;
    private final MigrationAdmin migration;

    /** @param migration the {@code /admin/...} endpoints */
    public AdminHandler(Probes probes, CollectorRegistry registry, MigrationAdmin migration) {
        this.probes = probes;
        this.registry = registry;
        this.migration = migration;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
        String path = request.uri();
        String query = null;
        int q = path.indexOf('?');
        if (q >= 0) {
            query = path.substring(q + 1);
            path = path.substring(0, q);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        if (request.decoderResult().isSuccess() && MigrationAdmin.owns(path)) {
            migration.handle(ctx, request, path, query, r -> respond(ctx, r, keepAlive));
            return;
        }
        FullHttpResponse response;
        if (!request.decoderResult().isSuccess()) {
            response = ErrorResponses.create(ctx.alloc(), ErrorCode.VALIDATION_FAILED, "malformed request",
                    RequestIds.newId());
        } else if (!request.method().equals(HttpMethod.GET)) {
            response = ErrorResponses.create(ctx.alloc(), ErrorCode.METHOD_NOT_ALLOWED, RequestIds.newId());
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
        } else if (path.equals("/metrics")) {
            response = metrics(ctx);
        } else if (path.equals("/healthz")) {
            response = probes.health(ctx.alloc());
        } else if (path.equals("/readyz")) {
            response = probes.readiness(ctx.alloc());
        } else {
            response = ErrorResponses.create(ctx.alloc(), ErrorCode.NOT_FOUND, RequestIds.newId());
        }
        respond(ctx, response, keepAlive);
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private FullHttpResponse metrics(ChannelHandlerContext ctx) throws IOException {
        ByteBuf body = ctx.alloc().buffer(8192);
        try (Writer w = new OutputStreamWriter(new ByteBufOutputStream(body), StandardCharsets.UTF_8)) {
            TextFormat.write004(w, registry.metricFamilySamples());
        } catch (IOException | RuntimeException e) {
            body.release();
            throw e;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, TextFormat.CONTENT_TYPE_004)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
