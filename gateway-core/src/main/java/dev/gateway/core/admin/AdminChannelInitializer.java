package dev.gateway.core.admin;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.codec.RequestIds;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An admin connection's pipeline, kept small so that whoever reaches the admin port cannot take what the
 * public listener needs (file descriptors, buffers): at most {@link #MAX_CONNECTIONS} connections (a new
 * one beyond is closed at once), request lines and headers of a few KiB, bodies of
 * {@link MigrationAdmin#MAX_BODY_BYTES} (a larger one gets 413 in the contract's envelope and a close), and
 * a connection silent for {@link #READ_TIMEOUT_SECONDS} seconds is closed.
 */
@ChannelHandler.Sharable
public final class AdminChannelInitializer extends ChannelInitializer<Channel> {
    /** Scrapers, probes and operators: a handful at a time. */
    static final int MAX_CONNECTIONS = 64;
    static final int READ_TIMEOUT_SECONDS = 30;
    private static final int MAX_LINE_BYTES = 4096;
    private static final int MAX_HEADER_BYTES = 8192;

    private final AdminHandler handler;
    private final AtomicInteger open = new AtomicInteger();

    public AdminChannelInitializer(AdminHandler handler) {
        this.handler = handler;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (open.incrementAndGet() > MAX_CONNECTIONS) {
            open.decrementAndGet();
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> open.decrementAndGet());
        ch.pipeline().addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                new HttpServerCodec(MAX_LINE_BYTES, MAX_HEADER_BYTES, MigrationAdmin.MAX_BODY_BYTES),
                new Aggregator(), handler);
    }

    /** Netty's aggregator, answering an oversized body with the contract's error instead of a bare 413. */
    private static final class Aggregator extends HttpObjectAggregator {
        Aggregator() {
            super(MigrationAdmin.MAX_BODY_BYTES);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse r = ErrorResponses.create(ctx.alloc(), ErrorCode.PAYLOAD_TOO_LARGE,
                    "admin request bodies are at most " + MigrationAdmin.MAX_BODY_BYTES + " bytes", RequestIds.newId());
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE); // the rest of the body is not read
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
