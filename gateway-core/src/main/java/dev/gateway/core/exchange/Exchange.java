package dev.gateway.core.exchange;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.codec.RequestTarget;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.split.Side;
import dev.gateway.core.upstream.Upstream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.api.trace.Span;
import java.util.List;
import java.util.function.Consumer;

/**
 * One request and its response on a client connection, while it is in flight.
 *
 * <p>Its state is grouped by owner, and each group is written by its owner only:
 * <ul>
 *   <li>the request's facts, fixed when {@link ExchangeLifecycle} opens the exchange;</li>
 *   <li>what the request stages found, each set once, in pipeline order: the normalised target
 *       (guard), the operation or the path's template (routing), the caller (authentication), the
 *       upstream slot (admission);</li>
 *   <li>the trip upstream (the proxy): the call, where it went and how long the upstream took;</li>
 *   <li>the response's progress and counts, kept by {@link ExchangeLifecycle} as messages pass it
 *       (package-private).</li>
 * </ul>
 * Others may ask the lifecycle for something through {@link #reject}, {@link #respond},
 * {@link #closeAfterResponse} and {@link #discardRestOfBody}. When the exchange ends, what it leaves
 * behind is written down once, as an {@link ExchangeRecord}. Event-loop only.
 */
public final class Exchange {
    /** {@link #contentLength} of a chunked body. */
    public static final long CHUNKED = -1;
    /** {@link #contentLength} of a request without {@code Content-Length} or {@code Transfer-Encoding}. */
    public static final long NO_BODY = -2;

    // --- the request: fixed when the exchange opens ---
    private final String requestId;
    private final HttpRequest request;
    private final String rawUri;
    private final long startNanos;
    private final long contentLength;
    private final boolean bodyExpected;
    private final boolean bodyDiscardable;
    private final boolean clientKeepAlive;
    private final boolean clientSpeaks11;

    // --- the request stages' findings: each written once, by its stage ---
    private RequestTarget target;
    private RoutedOperation operation;
    private String routeTemplate;
    private Principal principal;
    private Upstream admitted;

    // --- the trip upstream: written by the proxy ---
    private UpstreamCall call;
    private Side split;
    /** Told the exchange's record when it ends (the traffic capture), or {@code null}. */
    Consumer<ExchangeRecord> whenEnded;
    private String forwardedTo;
    private long upstreamNanos;

    // --- the lifecycle's: progress of the request and the response, and their counts ---
    boolean requestComplete;
    boolean responseStarted;
    boolean responseComplete;
    /** Someone answered before the body was read: drop what is left of it instead of forwarding it. */
    boolean discardBody;
    /** The client asked for {@code 100 Continue} before sending its body, and has not had it yet. */
    boolean awaitingContinue;
    boolean closeAfterResponse;
    boolean ended;
    /** The status sent to the client; 0 until a response starts. */
    int status;
    /** The whole response was written to the socket. */
    boolean delivered;
    /** Body bytes read from the client and written to it. */
    long bytesIn;
    long bytesOut;
    /** The server span, when tracing is on. */
    Span span;

    /**
     * @param request the request head, or {@code null} for a connection that timed out before one came
     * @param startNanos when the request's first bytes were read ({@link System#nanoTime()})
     * @param contentLength the body's length as the decoder framed it: bytes, {@link #CHUNKED} or
     *     {@link #NO_BODY}
     * @param bodyExpected the request announced a body (chunked or a non-zero length)
     * @param bodyDiscardable what is left of the body is small enough to read and drop after an early answer
     */
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
        this.clientSpeaks11 = request != null && request.protocolVersion().equals(HttpVersion.HTTP_1_1);
    }

    // --- the request ---

    /** The request id: the client's when acceptable, else a new one; it is on the request's headers too. */
    public String requestId() {
        return requestId;
    }

    /** The request head (rewritten in place for the upstream by the proxy); {@code null} on a 408 with no request. */
    public HttpRequest request() {
        return request;
    }

    /** The request target as the client sent it, for the access log. */
    public String rawUri() {
        return rawUri;
    }

    /** When the request's first bytes were read ({@link System#nanoTime()}). */
    public long startNanos() {
        return startNanos;
    }

    /**
     * The body's length as the decoder framed it: bytes, {@link #CHUNKED} or {@link #NO_BODY}. The
     * upstream request is framed from this alone, never from the client's headers.
     */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the request announced a body (chunked or a non-zero {@code Content-Length}). */
    public boolean bodyExpected() {
        return bodyExpected;
    }

    /** Whether what is left of the body is small enough to read and drop after an early answer. */
    boolean bodyDiscardable() {
        return bodyDiscardable;
    }

    /** Whether the client asked to keep the connection (read before the head was rewritten). */
    boolean clientKeepAlive() {
        return clientKeepAlive;
    }

    /** Whether the client's request was HTTP/1.1 (read before the head was rewritten). */
    public boolean clientSpeaks11() {
        return clientSpeaks11;
    }

    /** Whether the whole request body has been read from the client. */
    public boolean requestComplete() {
        return requestComplete;
    }

    /** Whether the client waits for {@code 100 Continue} before it sends its body. */
    public boolean awaitingContinue() {
        return awaitingContinue;
    }

    // --- the request stages' findings ---

    /** The normalised request target, once the guard has parsed it; else {@code null}. */
    public RequestTarget target() {
        return target;
    }

    /** Set by the request guard, once; a second write is a bug ({@link IllegalStateException}). */
    public void targetParsed(RequestTarget target) {
        this.target = once(this.target, target);
    }

    /** The operation the request was routed to, or {@code null}. */
    public RoutedOperation operation() {
        return operation;
    }

    /** Set by routing, once; a second write is a bug ({@link IllegalStateException}). */
    public void routed(RoutedOperation operation) {
        this.operation = once(this.operation, operation);
    }

    /**
     * Routing matched a path whose method is not served (405): its template names the route in the
     * figures. Once; a second write is a bug ({@link IllegalStateException}).
     */
    public void pathMatched(String routeTemplate) {
        this.routeTemplate = once(this.routeTemplate, routeTemplate);
    }

    /** Who is calling, once authentication has said; {@code null} for open operations. */
    public Principal principal() {
        return principal;
    }

    /** Set by authentication, once; a second write is a bug ({@link IllegalStateException}). */
    public void authenticated(Principal principal) {
        this.principal = once(this.principal, principal);
    }

    /**
     * Admission took a slot of the upstream's requests in flight; the lifecycle gives it back at the end.
     * Once; a second write is a bug ({@link IllegalStateException}).
     */
    public void admitted(Upstream upstream) {
        this.admitted = once(this.admitted, upstream);
    }

    // --- the trip upstream ---

    /** The trip upstream under way for this exchange, or {@code null}: none started, or it is over. */
    public UpstreamCall call() {
        return call;
    }

    /**
     * The proxy started a trip upstream for this exchange: the lifecycle stops it if the exchange ends first.
     *
     * @param upstreamName where it goes, for the access log
     * @throws IllegalStateException a call was started already (a bug)
     */
    public void callStarted(UpstreamCall call, String upstreamName) {
        this.call = once(this.call, call);
        this.forwardedTo = upstreamName;
    }

    /**
     * Tells {@code listener} the exchange's record when it ends, after the observer. Once; a second write
     * is a bug ({@link IllegalStateException}).
     */
    public void whenEnded(Consumer<ExchangeRecord> listener) {
        this.whenEnded = once(this.whenEnded, listener);
    }

    /**
     * The route is split and this exchange went to {@code side}. Once; a second write is a bug
     * ({@link IllegalStateException}).
     */
    public void split(Side side) {
        this.split = once(this.split, side);
    }

    /** @param nanos from the start of forwarding to the upstream's response head or its last failure */
    public void upstreamTime(long nanos) {
        this.upstreamNanos = nanos;
    }

    /** The server span, when tracing is on (parent of the proxy's client spans); else {@code null}. */
    public Span span() {
        return span;
    }

    // --- asking the lifecycle ---

    /** Close the client connection once this response is written (framing lost, draining, …). */
    public void closeAfterResponse() {
        closeAfterResponse = true;
    }

    /** An answer comes before the whole body was read: what is left of it is read and dropped, not passed on. */
    public void discardRestOfBody() {
        discardBody = true;
    }

    /**
     * Answers with one of the gateway's own errors ({@code ErrorBody}, LEGACY.md), from any stage after
     * the lifecycle; what is left of the request body is dropped.
     */
    public void reject(ChannelHandlerContext ctx, ErrorCode code, String message) {
        respond(ctx, ErrorResponses.create(ctx.alloc(), code, message, requestId));
    }

    /** As above, with the violations that make up a 400's {@code details}. */
    public void reject(ChannelHandlerContext ctx, ErrorCode code, List<ErrorDetail> details) {
        respond(ctx, ErrorResponses.create(ctx.alloc(), code, code.defaultMessage(), requestId, details));
    }

    /** 503 {@code UPSTREAM_UNAVAILABLE} with the {@code Retry-After} (seconds) the contract promises. */
    public void rejectUnavailable(ChannelHandlerContext ctx, String message, long retryAfterSeconds) {
        FullHttpResponse response = ErrorResponses.create(ctx.alloc(), ErrorCode.UPSTREAM_UNAVAILABLE, message,
                requestId);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        respond(ctx, response);
    }

    /** Answers with a whole response (ownership passes); what is left of the request body is dropped. */
    public void respond(ChannelHandlerContext ctx, FullHttpResponse response) {
        discardBody = true;
        ctx.writeAndFlush(response, ctx.voidPromise());
    }

    // --- the lifecycle's end of the exchange ---

    /**
     * Stops its trip upstream if one is still under way (the exchange ended without it: the client left,
     * or was answered with a timeout), so that the attempt is recorded before the exchange is.
     */
    void abandonCall() {
        if (call != null) {
            UpstreamCall c = call;
            call = null;
            c.abandon();
        }
    }

    /** Gives back the upstream slot, once. */
    void leaveUpstream() {
        if (admitted != null) {
            admitted.leave();
            admitted = null;
        }
    }

    /** What the exchange leaves behind, written once when it ends. */
    ExchangeRecord record(long endNanos, String clientAddress, int clientPort) {
        String route = operation != null ? operation.operation().pathTemplate() : routeTemplate;
        return new ExchangeRecord(requestId, request, rawUri, clientAddress, clientPort, operation, route,
                principal, forwardedTo, upstreamNanos, status == 0 ? ExchangeRecord.CLIENT_CLOSED : status,
                status != 0, endNanos - startNanos, bytesIn, bytesOut, delivered, span, split);
    }

    private static <T> T once(T current, T next) {
        if (current != null) {
            throw new IllegalStateException("already set: " + current);
        }
        return next;
    }
}
