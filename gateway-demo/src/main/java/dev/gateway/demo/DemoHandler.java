package dev.gateway.demo;

import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Collects (or streams) one request at a time and hands it to the service. */
final class DemoHandler extends ChannelInboundHandlerAdapter {
    private static final int MAX_COLLECTED_BODY = 16 * 1024 * 1024;

    private final DemoApi api;
    private final AtomicLong requests;
    private final AtomicInteger connectionsUsed;
    private boolean used;
    private HttpRequest request;
    private CompositeByteBuf body;
    private DemoApi.BodySink sink;
    private boolean refused;

    DemoHandler(DemoApi api, AtomicLong requests, AtomicInteger connectionsUsed) {
        this.api = api;
        this.requests = requests;
        this.connectionsUsed = connectionsUsed;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest) {
                requests.incrementAndGet();
                if (!used) {
                    used = true;
                    connectionsUsed.incrementAndGet();
                }
                request = (HttpRequest) msg;
                refused = false;
                if (!request.decoderResult().isSuccess()) {
                    refused = true;
                    Json.errorAndClose(ctx, HttpResponseStatus.BAD_REQUEST, "VALIDATION_FAILED", "malformed request");
                } else if (api.streamsBody(request)) {
                    sink = api.upload(ctx, request);
                } else {
                    body = ctx.alloc().compositeBuffer(1024);
                }
            }
            if (msg instanceof HttpContent && !refused) {
                HttpContent content = (HttpContent) msg;
                if (sink != null) {
                    sink.write(content.content());
                } else if (body != null) {
                    if (body.readableBytes() + content.content().readableBytes() > MAX_COLLECTED_BODY) {
                        refused = true;
                        releaseBody();
                        Json.error(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "PAYLOAD_TOO_LARGE",
                                "body too large");
                    } else {
                        body.addComponent(true, content.content().retain());
                    }
                }
                if (msg instanceof LastHttpContent && !refused) {
                    if (sink != null) {
                        DemoApi.BodySink s = sink;
                        sink = null;
                        s.end(ctx);
                    } else {
                        try {
                            api.handle(ctx, request, body);
                        } finally {
                            releaseBody();
                        }
                    }
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseBody();
        if (sink != null) {
            sink.abort();
            sink = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
