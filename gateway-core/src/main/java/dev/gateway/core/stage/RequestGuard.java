package dev.gateway.core.stage;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.HopByHopHeaders;
import dev.gateway.codec.InvalidRequestTargetException;
import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestTarget;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses requests the gateway must not forward: undecodable ones (414, 431, 400), ones whose
 * framing two parsers could read differently, and targets that try to escape their path.
 */
public final class RequestGuard extends RequestStage {
    /** @param exchanges the connection's lifecycle, which knows the exchange in flight */
    public RequestGuard(ExchangeLifecycle exchanges) {
        super(exchanges);
    }

    @Override
    void onRequest(ChannelHandlerContext ctx, HttpRequest request, Exchange ex) {
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            ReferenceCountUtil.release(request);
            ex.closeAfterResponse(); // the decoder has lost the framing: nothing after this can be trusted
            ex.reject(ctx, codeFor(decoded.cause()), messageFor(decoded.cause()));
            return;
        }
        String framing = RequestFraming.violation(request);
        // The headers the client's Connection names go now, before any later stage reads the request, so
        // what is checked is what is forwarded (framing, host and what the gateway sets cannot be named).
        if (framing == null && !HopByHopHeaders.stripNominated(request.headers())) {
            framing = "too many connection options";
        }
        if (framing != null) {
            ReferenceCountUtil.release(request);
            ex.closeAfterResponse();
            ex.reject(ctx, ErrorCode.VALIDATION_FAILED, "malformed request: " + framing);
            return;
        }
        if (request.headers().contains(HttpHeaderNames.EXPECT) && !onlyContinueExpected(request)) {
            ReferenceCountUtil.release(request);
            ex.closeAfterResponse();
            ex.reject(ctx, ErrorCode.VALIDATION_FAILED, "unsupported expectation");
            return;
        }
        try {
            ex.targetParsed(RequestTarget.parse(request.uri()));
        } catch (InvalidRequestTargetException e) {
            ReferenceCountUtil.release(request);
            ex.reject(ctx, ErrorCode.VALIDATION_FAILED, "path not allowed: " + e.getMessage());
            return;
        }
        ctx.fireChannelRead(request);
    }

    /** Every {@code Expect} line, every element of it, is {@code 100-continue} (RFC 9110 §10.1.1). */
    private static boolean onlyContinueExpected(HttpRequest request) {
        for (String line : request.headers().getAll(HttpHeaderNames.EXPECT)) {
            for (String element : line.split(",", -1)) {
                if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(element.trim())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static ErrorCode codeFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return ErrorCode.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorCode.HEADERS_TOO_LARGE;
        }
        return ErrorCode.VALIDATION_FAILED;
    }

    private static String messageFor(Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            return codeFor(cause).defaultMessage();
        }
        return "malformed request";
    }
}
