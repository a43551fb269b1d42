package dev.gateway.core.pipeline;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.codec.RequestTarget;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.upstream.Upstream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.api.trace.Span;
import java.util.List;

/** One request and its response: the state the pipeline's stages share while it is in flight. */
public final class Exchange {
    final String requestId;
    final HttpRequest request;
    /** The request target as the client sent it, for the access log ({@code null} without a request). */
    final String rawUri;
    final long startNanos;
    /** {@link #contentLength} of a chunked body. */
    static final long CHUNKED = -1;
    /** {@link #contentLength} of a request without {@code Content-Length} or {@code Transfer-Encoding}. */
    static final long NO_BODY = -2;
    /**
     * The body's length as the decoder framed it: bytes, or {@link #CHUNKED}, or {@link #NO_BODY}. The
     * upstream request is framed from this alone.
     */
    final long contentLength;
    /** The request announced a body (chunked or a non-zero Content-Length). */
    final boolean bodyExpected;
    /** Remaining body small enough to read and drop after an early answer, keeping the connection. */
    final boolean bodyDiscardable;
    /** What the client asked for, read before the request is rewritten for the upstream. */
    final boolean clientKeepAlive;
    final boolean clientSpeaks11;
    RequestTarget target;
    RoutedOperation operation;
    /** Who is calling, once {@link Authentication} has said; {@code null} for open operations. */
    Principal principal;
    /** The upstream whose in-flight slot this exchange holds ({@link Admission}), until it ends. */
    Upstream admitted;
    /** Its trip upstream, once {@link ProxyHandler} started one. */
    ProxyCall call;

    boolean requestComplete;
    boolean responseStarted;
    boolean responseComplete;
    /** Someone answered before the body was read: drop what is left of it instead of forwarding it. */
    boolean discardBody;
    /** The client asked for {@code 100 Continue} before sending its body, and has not had it yet. */
    boolean awaitingContinue;
    boolean closeAfterResponse;
    boolean ended;

    // --- what the exchange leaves in the access log, the metrics and its trace ---
    /** The status sent to the client; 0 until a response starts. */
    int status;
    /** The whole response was written to the socket. */
    boolean delivered;
    /** Body bytes read from the client and written to it. */
    long bytesIn;
    long bytesOut;
    /** The template of a known path whose method is not served (405); routed exchanges have {@link #operation}. */
    String routeTemplate;
    /** The upstream the request was forwarded to, or {@code null}. */
    String forwardedTo;
    /** From the start of forwarding to the upstream's response head or its last failure; 0 until then. */
    long upstreamNanos;
    /** The server span, when tracing is on. */
    Span span;

    /** @param startNanos when the request's first bytes were read ({@link System#nanoTime()}) */
    Exchange(String requestId, HttpRequest request, long startNanos, long contentLength, boolean bodyExpected,
            boolean bodyDiscardable) {
        this.requestId = requestId;
        this.request = request;
        this.contentLength = contentLength;
        this.rawUri = request == null ? null : request.uri();
        this.startNanos = startNanos;
        this.bodyExpected = bodyExpected;
        this.bodyDiscardable = bodyDiscardable;
        this.clientKeepAlive = request != null && HttpUtil.isKeepAlive(request);
        this.clientSpeaks11 = request != null
                && request.protocolVersion().equals(HttpVersion.HTTP_1_1);
    }

    public String requestId() {
        return requestId;
    }

    public HttpRequest request() {
        return request;
    }

    public RequestTarget target() {
        return target;
    }

    public RoutedOperation operation() {
        return operation;
    }

    public Principal principal() {
        return principal;
    }

    /** Close the client connection once this response is written (framing lost, draining, …). */
    void closeAfterResponse() {
        closeAfterResponse = true;
    }

    /**
     * Answers the request with one of the gateway's own errors, from any stage after
     * {@link ExchangeStart}; what is left of the request body is dropped.
     */
    void reject(ChannelHandlerContext ctx, ErrorCode code, String message) {
        respond(ctx, ErrorResponses.create(ctx.alloc(), code, message, requestId));
    }

    /** As above, with the violations that make up a 400's {@code details}. */
    void reject(ChannelHandlerContext ctx, ErrorCode code, List<ErrorDetail> details) {
        respond(ctx, ErrorResponses.create(ctx.alloc(), code, code.defaultMessage(), requestId, details));
    }

    /** 503 {@code UPSTREAM_UNAVAILABLE} with the {@code Retry-After} the contract promises. */
    void rejectUnavailable(ChannelHandlerContext ctx, String message, long retryAfterSeconds) {
        FullHttpResponse response = ErrorResponses.create(ctx.alloc(), ErrorCode.UPSTREAM_UNAVAILABLE, message,
                requestId);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        respond(ctx, response);
    }

    /**
     * Stops its trip upstream if one is still under way (the exchange ended without it: the client left,
     * or was answered with a timeout), so that the attempt is recorded before the exchange is.
     */
    void abandonCall() {
        if (call != null) {
            call.abandon();
            call = null;
        }
    }

    /** Gives back the upstream slot, once. */
    void leaveUpstream() {
        if (admitted != null) {
            admitted.leave();
            admitted = null;
        }
    }

    void respond(ChannelHandlerContext ctx, FullHttpResponse response) {
        discardBody = true;
        ctx.writeAndFlush(response, ctx.voidPromise());
    }
}
