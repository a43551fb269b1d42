package dev.gateway.core.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.codec.InPlaceJson;
import dev.gateway.core.contract.RequestRules;
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
import java.io.CharConversionException;
import java.io.IOException;
import java.util.List;

/**
 * Checks each request against its operation in the contract, in the order of the legacy gateway:
 * body size and media type (413/415), then parameters and body (400).
 *
 * <p>A JSON body with a schema is held back until it is complete, in a {@link CompositeByteBuf} of the
 * decoder's own buffers, parsed in place, and then the very same buffers go upstream as one piece:
 * the upstream sees the bytes the client sent. Every other body streams on, counted against its limit.
 */
final class ContractValidation extends ChannelInboundHandlerAdapter {
    /** Tells the proxy that a streamed body went over its limit: stop, and answer 413. */
    static final Object BODY_TOO_LARGE = new Object() {
        @Override
        public String toString() {
            return "BODY_TOO_LARGE";
        }
    };

    /** Binds tokens to a tree; the parser's own factory sets the limits. */
    private static final ObjectMapper TREES = new ObjectMapper(InPlaceJson.factory());

    private final ExchangeStart exchanges;
    /** The exchange whose body is being held or counted; {@code null} when none is. */
    private Exchange ex;
    private RequestRules rules;
    private HttpRequest heldRequest;
    private CompositeByteBuf heldBody;
    private long bodyBytes;
    private boolean streaming;

    ContractValidation(ExchangeStart exchanges) {
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
        RequestRules r = exchange.operation.rules();
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
        boolean hasBody = exchange.bodyExpected;
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (r.takesBody() && (hasBody || contentType != null) && !r.accepts(contentType)) {
            ReferenceCountUtil.release(request);
            refuse(ctx, exchange, ErrorCode.UNSUPPORTED_MEDIA_TYPE, contentType == null
                    ? "a Content-Type is required: " + String.join(", ", r.mediaTypes())
                    : "Content-Type must be one of: " + String.join(", ", r.mediaTypes()));
            return;
        }
        List<ErrorDetail> violations = r.checkParameters(exchange.target.path(), exchange.target.query(),
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
            if (exchange.awaitingContinue) {
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
            ex.operation.metrics().validationFailed(ErrorCode.PAYLOAD_TOO_LARGE);
            ex = null;
            ctx.fireUserEventTriggered(BODY_TOO_LARGE);
            return;
        }
        if (last) {
            ex = null;
        }
        ctx.fireChannelRead(content);
    }

    /** Answers with a contract error, counted against the route. */
    private static void refuse(ChannelHandlerContext ctx, Exchange exchange, ErrorCode code, String message) {
        exchange.operation.metrics().validationFailed(code);
        exchange.reject(ctx, code, message);
    }

    private static void refuse(ChannelHandlerContext ctx, Exchange exchange, ErrorCode code,
            List<ErrorDetail> violations) {
        exchange.operation.metrics().validationFailed(code);
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
            violations = rules.checkBody(parse(body));
        } catch (MalformedBody m) {
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

    /** @return the body's JSON tree, or {@code null} for an empty body */
    static JsonNode parse(CompositeByteBuf body) throws MalformedBody {
        if (!body.isReadable()) {
            return null;
        }
        try (JsonParser parser = InPlaceJson.parser(body)) {
            JsonNode tree = TREES.readTree(parser);
            if (parser.nextToken() != null) { // readTree stops after one value; anything after it is garbage
                throw new MalformedBody("unexpected content after the JSON value");
            }
            return tree;
        } catch (StreamConstraintsException c) {
            throw new MalformedBody("JSON nested deeper than " + InPlaceJson.MAX_DEPTH + " levels or too large");
        } catch (CharConversionException c) {
            throw new MalformedBody("request body is not valid UTF-8");
        } catch (com.fasterxml.jackson.core.JsonParseException p) {
            String why = p.getOriginalMessage();
            if (why != null && why.contains("UTF-8")) {
                throw new MalformedBody("request body is not valid UTF-8");
            }
            if (why != null && why.startsWith("Duplicate field")) {
                throw new MalformedBody("duplicate key in JSON object: " + why.substring("Duplicate field ".length()));
            }
            throw new MalformedBody("request body is not valid JSON: " + firstLine(why));
        } catch (IOException io) {
            throw new MalformedBody("request body is not valid JSON: " + firstLine(io.getMessage()));
        }
    }

    /** Jackson's message without the source-location boilerplate it appends. */
    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        int marker = line.indexOf(" (start marker");
        if (marker > 0) {
            line = line.substring(0, marker);
        }
        return line.length() > 200 ? line.substring(0, 200) : line;
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

    /** A body that is not JSON, or not UTF-8: 400 MALFORMED_BODY with this message. */
    static final class MalformedBody extends Exception {
        MalformedBody(String message) {
            super(message, null, false, false);
        }
    }
}
