package dev.gateway.core.stage;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.core.contract.JsonBodies;
import dev.gateway.core.contract.RequestRules;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.exchange.RequestRefused;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Checks each request against its operation in the contract, in the order of the legacy gateway:
 * body size and media type (413/415), then parameters and body (400).
 *
 * <p>A JSON body with a schema is held back until it is complete, in a {@link CompositeByteBuf} of the
 * decoder's own buffers, parsed in place, and then the very same buffers go upstream as one piece:
 * the upstream sees the bytes the client sent. Every other body streams on, counted against its limit.
 */
public final class ContractValidation extends ChannelInboundHandlerAdapter {
    private final ExchangeLifecycle exchanges;
    /** The exchange whose body is being held or counted; {@code null} when none is. */
    private Exchange ex;
    private RequestRules rules;
    private HttpRequest heldRequest;
    private CompositeByteBuf heldBody;
    private long bodyBytes;
    private boolean streaming;

    /** @param exchanges the connection's lifecycle, which knows the exchange in flight */
    public ContractValidation(ExchangeLifecycle exchanges) {
        this.exchanges = exchanges;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            request(ctx, (HttpRequest) msg, exchanges.current());
        } else if (msg instanceof HttpContent) {
            content(ctx, (HttpContent) msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void request(ChannelHandlerContext ctx, HttpRequest request, Exchange exchange) {
        releaseHeld(); // a previous exchange answered early; its body is dropped upstream of here
        streaming = false;
        RequestRules r = exchange.operation().rules();
        if (r == null) {
            ctx.fireChannelRead(request);
            return;
        }
        long length = HttpUtil.getContentLength(request, -1L);
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        if (length > r.maxBodyBytes()) {
            ReferenceCountUtil.release(request);
            refuse(ctx, exchange, ErrorCode.PAYLOAD_TOO_LARGE, tooLarge(r));
            return;
        }
        boolean hasBody = exchange.bodyExpected();
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (r.takesBody() && (hasBody || contentType != null) && !r.accepts(contentType)) {
            ReferenceCountUtil.release(request);
            refuse(ctx, exchange, ErrorCode.UNSUPPORTED_MEDIA_TYPE, contentType == null
                    ? "a Content-Type is required: " + String.join(", ", r.mediaTypes())
                    : "Content-Type must be one of: " + String.join(", ", r.mediaTypes()));
            return;
        }
        List<ErrorDetail> violations = r.checkParameters(exchange.target().path(), exchange.target().query(),
                request.headers());
        if (!violations.isEmpty()) {
            ReferenceCountUtil.release(request);
            refuse(ctx, exchange, ErrorCode.VALIDATION_FAILED, violations);
            return;
        }
        if (!hasBody) {
            if (r.bodyRequired()) {
                ReferenceCountUtil.release(request);
                refuse(ctx, exchange, ErrorCode.VALIDATION_FAILED, r.checkBody(null));
                return;
            }
            ctx.fireChannelRead(request);
            return;
        }
        ex = exchange;
        rules = r;
        bodyBytes = 0;
        if (r.validatesJsonBody()) {
            heldRequest = request;
            heldBody = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
            if (exchange.awaitingContinue()) {
                // The client waits for our go-ahead, and the upstream will not be asked until the body is in.
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE),
                        ctx.voidPromise());
            }
        } else {
            streaming = chunked; // a Content-Length within the limit needs no count: the decoder holds it to it
            ctx.fireChannelRead(request);
        }
    }

    private void content(ChannelHandlerContext ctx, HttpContent content) {
        if (ex == null || ex != exchanges.current()) {
            ctx.fireChannelRead(content);
            return;
        }
        bodyBytes += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (heldBody != null) {
            if (bodyBytes > rules.maxBodyBytes()) {
                content.release();
                Exchange e = ex;
                releaseHeld();
                refuse(ctx, e, ErrorCode.PAYLOAD_TOO_LARGE, tooLarge(rules));
                return;
            }
            heldBody.addComponent(true, content.content().retain());
            if (last) {
                bodyComplete(ctx);
            }
            content.release();
            return;
        }
        if (streaming && bodyBytes > rules.maxBodyBytes()) {
            content.release();
            streaming = false;
            ex.operation().metrics().validationFailed(ErrorCode.PAYLOAD_TOO_LARGE);
            ex = null;
            // Tells the proxy: stop the upstream request, and answer 413.
            ctx.fireUserEventTriggered(new RequestRefused(ErrorCode.PAYLOAD_TOO_LARGE, tooLarge(rules)));
            return;
        }
        if (last) {
            ex = null;
        }
        ctx.fireChannelRead(content);
    }

    /** Answers with a contract error, counted against the route. */
    private static void refuse(ChannelHandlerContext ctx, Exchange exchange, ErrorCode code, String message) {
        exchange.operation().metrics().validationFailed(code);
        exchange.reject(ctx, code, message);
    }

    private static void refuse(ChannelHandlerContext ctx, Exchange exchange, ErrorCode code,
            List<ErrorDetail> violations) {
        exchange.operation().metrics().validationFailed(code);
        exchange.reject(ctx, code, violations);
    }

    /** The whole JSON body is in: parse it where it lies, check it, and forward it or answer 400. */
    private void bodyComplete(ChannelHandlerContext ctx) {
        Exchange e = ex;
        HttpRequest request = heldRequest;
        CompositeByteBuf body = heldBody;
        heldRequest = null;
        heldBody = null;
        ex = null;
        List<ErrorDetail> violations;
        try {
            violations = rules.checkBody(JsonBodies.parse(body));
        } catch (JsonBodies.MalformedJsonException m) {
            ReferenceCountUtil.release(request);
            body.release();
            refuse(ctx, e, ErrorCode.MALFORMED_BODY, m.getMessage());
            return;
        }
        if (!violations.isEmpty()) {
            ReferenceCountUtil.release(request);
            body.release();
            refuse(ctx, e, ErrorCode.VALIDATION_FAILED, violations);
            return;
        }
        ctx.fireChannelRead(request);
        ctx.fireChannelRead(new DefaultLastHttpContent(body)); // (request trailers are never forwarded)
    }

    /** The 413 message, the same whether the size came from the head or from counting. */
    static String tooLarge(RequestRules rules) {
        return "request body is larger than " + rules.maxBodyBytes() + " bytes";
    }

    private void releaseHeld() {
        if (heldRequest != null) {
            ReferenceCountUtil.release(heldRequest);
            heldRequest = null;
        }
        if (heldBody != null) {
            heldBody.release();
            heldBody = null;
        }
        ex = null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }
}
