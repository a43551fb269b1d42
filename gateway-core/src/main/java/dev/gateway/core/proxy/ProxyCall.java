package dev.gateway.core.proxy;

import dev.gateway.codec.ErrorCode;
import dev.gateway.core.capture.CaptureTap;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ReadGate;
import dev.gateway.core.exchange.UpstreamCall;
import dev.gateway.core.observe.Tracing;
import dev.gateway.core.proxy.Attempt.Outcome;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.shadow.ShadowSession;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.PooledEndpoint;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.pool.AcquireCallback;
import dev.gateway.core.upstream.pool.PoolExhaustedException;
import dev.gateway.core.upstream.pool.UpstreamConnection;
import dev.gateway.core.upstream.pool.UpstreamListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One exchange's trip upstream: acquire a pooled connection, stream the request to it, stream the
 * response back, and give the connection back (or close it) at the end.
 *
 * <p>The call is a state machine ({@link CallState}); every change of state goes through
 * {@link #moveTo}, which refuses one the table does not allow. The call coordinates three collaborators:
 * each {@link Attempt} (one try at one endpoint: breaker permit, span, connection, outcome recorded once),
 * the connection's {@link RetryPolicy} (whether a failed attempt goes again, the total timeout) and its
 * {@link ResponseRelay} (the response side: head rewriting, checks, flushing, client backpressure). It
 * streams the request itself.
 *
 * <p>Messages are forwarded as the decoders made them: the pooled buffers travel from one socket to
 * the other without a copy, and ownership passes with each write. Each side's reading is paused while
 * the other side cannot take more, so memory per exchange stays bounded whatever the body size.
 * Everything runs on the client's event loop.
 */
final class ProxyCall implements UpstreamCall, AcquireCallback, UpstreamListener, ResponseRelay.Listener {
    /** A little longer than the connect timeout, so that a slow connect fails as a connect timeout. */
    private static final long CONNECT_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ChannelHandlerContext client;
    private final Exchange ex;
    private final RoutedOperation op;
    private final ReadGate gate;
    private final CallClock clock;
    private final RetryPolicy retries;
    private final ResponseRelay relay;
    private final String clientAddress;
    private final boolean secure;
    /** The tracer, or {@code null} when tracing is off. */
    private final Tracing tracing;
    private CallState state = CallState.NEW;
    /** Where the call goes: the route's upstream, or the other side of its split. */
    private Upstream upstream;
    /** The current attempt; earlier ones are over. */
    private Attempt attempt;
    /** When forwarding started ({@link System#nanoTime}). */
    private long forwardStartNanos;
    /** The request head until it is written upstream. */
    private HttpRequest head;
    /** A body-less request's head, kept after it was written in case a stale connection must be retried. */
    private HttpRequest sentHead;
    /** Body parts that arrived before the upstream connection was ready; made only when needed. */
    private ArrayDeque<HttpObject> pending;
    /** Body parts were written upstream since the last flush. */
    private boolean unflushedUpstream;
    /** The copies of this exchange to a shadow target, or {@code null} when it is not shadowed. */
    private ShadowSession shadow;
    /** The capture of this exchange, or {@code null} when it is not captured. */
    private CaptureTap capture;

    /**
     * @param clock the connection's upstream deadline
     * @param retries the connection's retry policy, begun anew by {@link #start}
     * @param relay the connection's response relay, now serving this call
     * @param clientAddress the client's IP address, for {@code X-Forwarded-For}
     * @param secure whether the client's connection is TLS, for {@code X-Forwarded-Proto}
     * @param tracing the tracer, or {@code null} when tracing is off
     */
    ProxyCall(ChannelHandlerContext client, ReadGate gate, CallClock clock, RetryPolicy retries, ResponseRelay relay,
            Exchange ex, String clientAddress, boolean secure, Tracing tracing) {
        this.client = client;
        this.gate = gate;
        this.clock = clock;
        this.retries = retries;
        this.relay = relay;
        this.ex = ex;
        this.op = ex.operation();
        this.clientAddress = clientAddress;
        this.secure = secure;
        this.tracing = tracing;
        relay.begin(this, ex);
    }

    /** Copies of this exchange go to a shadow target: feed them the body and the answer. Before {@link #start}. */
    void shadow(ShadowSession session) {
        this.shadow = session;
    }

    /** This exchange is captured: feed the capture the body. Before {@link #start}. */
    void capture(CaptureTap tap) {
        this.capture = tap;
    }

    /** Where the call is. */
    CallState state() {
        return state;
    }

    /**
     * The one way the state changes.
     *
     * @throws IllegalStateException when the table of {@link CallState} does not allow the move
     */
    void moveTo(CallState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("proxy call of " + ex.requestId() + ": " + state + " → " + next);
        }
        state = next;
    }

    /**
     * Rewrites the request head for the upstream and starts the first attempt.
     *
     * @param to where it goes: the route's upstream, or the other side of its split
     * @param pool where the first attempt goes, its endpoint's breaker permit already taken
     */
    void start(HttpRequest request, Upstream to, PooledEndpoint pool) {
        upstream = to;
        ForwardedHeaders.toUpstream(ex.request(), ex.requestId(), ex.contentLength(), ex.target(), ex.principal(),
                clientAddress, secure, pool.endpoint().hostHeader(), to.config().forwardCredentials());
        head = request;
        long now = System.nanoTime();
        forwardStartNanos = now;
        retries.begin(op, to, now);
        attempt(pool, 0, false);
    }

    private void attempt(PooledEndpoint pool, int number, boolean fresh) {
        moveTo(CallState.CONNECTING);
        attempt = new Attempt(pool, upstream, number, tracing, ex.span(), head);
        pool.acquire(this, fresh); // most often answered at once, from the idle connections
        if (state == CallState.CONNECTING) {
            arm(upstream.config().connectTimeout().toNanos() + CONNECT_SLACK_NANOS);
            gate.pause(ReadGate.CONNECTING); // hold the body back until there is somewhere to send it
        }
    }

    /** Arms the call's deadline, never past the route's total timeout (no response has started yet). */
    private void arm(long timeoutNanos) {
        clock.arm(this, retries.bound(timeoutNanos));
    }

    @Override
    public void onAcquired(UpstreamConnection connection) {
        if (state == CallState.DONE) {
            connection.release(true); // the client left while we connected; the connection is still good
            return;
        }
        moveTo(CallState.SENDING);
        attempt.connected(connection);
        connection.lease(this);
        if (ex.awaitingContinue()) { // (the Expect header itself was removed for the upstream)
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE),
                    client.voidPromise());
        }
        Channel up = connection.channel();
        up.write(head, up.voidPromise());
        if (!ex.bodyExpected()) {
            sentHead = head; // not reference-counted: it can be written again if this connection was stale
        }
        head = null;
        if (pending != null) {
            for (HttpObject msg; (msg = pending.poll()) != null; ) {
                up.write(msg, up.voidPromise());
                if (msg instanceof LastHttpContent) {
                    requestSent();
                }
            }
            pending = null;
        }
        boolean sent = state == CallState.AWAITING_RESPONSE;
        if (sent || ex.bodyExpected()) {
            up.flush(); // a body-less request is flushed with its end marker, which follows at once
        }
        if (op.idleTimeout() != null) {
            clock.arm(this, op.idleTimeout().toNanos());
        } else if (!sent) {
            clock.disarm(this); // the body is on the client's clock until it is all sent
        }
        if (!sent && !up.isWritable()) {
            gate.pause(ReadGate.UPSTREAM_FULL);
        }
        gate.resume(ReadGate.CONNECTING);
    }

    @Override
    public void onAcquireFailed(Throwable cause) {
        if (state == CallState.DONE) {
            return;
        }
        if (cause instanceof PoolExhaustedException) {
            attemptEnded(Outcome.NO_VERDICT, "pool_exhausted"); // the gateway's own limit: no fault of the endpoint's
            unavailable("upstream connection limit reached");
            return;
        }
        Endpoint failed = attempt.endpoint();
        // A failed TLS handshake (upstreams.NAME.tls) is a connection not made: the endpoint's fault, retried.
        boolean tls = cause instanceof SSLException;
        attemptEnded(Outcome.FAILED, cause instanceof ConnectTimeoutException ? "connect_timeout"
                : tls ? "tls_handshake_failed" : "connect_failed");
        if (retry(true, failed)) {
            return;
        }
        if (cause instanceof ConnectTimeoutException) {
            fail(ErrorCode.UPSTREAM_TIMEOUT, "upstream did not accept the connection in time");
        } else if (tls) {
            fail(ErrorCode.BAD_GATEWAY, "TLS handshake with the upstream failed");
        } else {
            fail(ErrorCode.BAD_GATEWAY, "upstream refused the connection");
        }
    }

    private void attemptEnded(Outcome outcome, String error) {
        attemptEnded(outcome, 0, error);
    }

    /** Records the current attempt's outcome (once) and the time the upstream took so far. */
    private void attemptEnded(Outcome outcome, int status, String error) {
        if (attempt.ended()) {
            return;
        }
        long now = System.nanoTime();
        ex.upstreamTime(now - forwardStartNanos);
        attempt.end(outcome, status, error, now);
    }

    /**
     * Sends the request again after a failure that none of it can have crossed, if {@link RetryPolicy}
     * allows.
     *
     * @param nothingWritten the connection never came (head and body are still here); otherwise a reused
     *     connection closed before answering, and only a request without a body is sent again
     * @param failed the endpoint that failed, avoided when another one can take the retry
     * @return whether a retry is under way
     */
    private boolean retry(boolean nothingWritten, Endpoint failed) {
        PooledEndpoint next = retries.next(ex, attempt.number(), failed, nothingWritten,
                state == CallState.AWAITING_RESPONSE, sentHead != null);
        if (next == null) {
            return false;
        }
        if (!nothingWritten) {
            head = sentHead;
            sentHead = null;
            pending = new ArrayDeque<>(1);
            pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        head.headers().set(HttpHeaderNames.HOST, next.endpoint().hostHeader());
        attempt(next, attempt.number() + 1, !nothingWritten); // after a stale connection, a new one
        return true;
    }

    private void unavailable(String message) {
        abandon();
        ex.rejectUnavailable(client, message, 1);
    }

    /** A part of the request body, from the client (ownership passes). */
    void requestContent(HttpContent content) {
        if (state == CallState.DONE) {
            content.release();
            return;
        }
        if (shadow != null) {
            shadow.requestContent(content); // retained duplicates of the same buffers, before they are written
        }
        if (capture != null) {
            capture.requestContent(content); // copied, before it is written
        }
        if (state == CallState.CONNECTING) {
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.add(content); // at most what one read decoded: reading is paused until connected
            return;
        }
        Channel up = attempt.connection().channel();
        touch();
        if (content instanceof LastHttpContent) {
            up.writeAndFlush(content, up.voidPromise());
            unflushedUpstream = false;
            requestSent();
            return;
        }
        up.write(content, up.voidPromise());
        unflushedUpstream = true;
        if (!up.isWritable()) {
            gate.pause(ReadGate.UPSTREAM_FULL);
        }
    }

    /** The request's end marker is written: wait for the answer (or go on relaying an early one). */
    private void requestSent() {
        if (state == CallState.RELAYING_EARLY) {
            moveTo(CallState.RELAYING);
        } else {
            moveTo(CallState.AWAITING_RESPONSE);
            if (op.idleTimeout() == null) {
                arm(op.responseTimeout().toNanos());
            }
        }
        gate.resume(ReadGate.CONNECTING | ReadGate.UPSTREAM_FULL); // read on: a client that leaves is noticed
    }

    /** Flushes what the client's last read produced, once per read rather than once per chunk. */
    void flushUpstream() {
        UpstreamConnection up = attempt == null ? null : attempt.connection();
        if (unflushedUpstream && up != null) {
            unflushedUpstream = false;
            up.channel().flush();
        }
    }

    /** The client's socket filled or drained. */
    void clientWritabilityChanged(boolean writable) {
        if (state.responseStarted()) {
            relay.clientWritabilityChanged(writable, attempt.connection().channel());
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (state == CallState.SENDING || state == CallState.RELAYING_EARLY) { // still sending the request
            if (writable) {
                gate.resume(ReadGate.UPSTREAM_FULL);
            } else {
                gate.pause(ReadGate.UPSTREAM_FULL);
            }
        }
    }

    @Override
    public void onUpstreamMessage(HttpObject msg) {
        if (state == CallState.DONE) {
            ReferenceCountUtil.release(msg);
            return;
        }
        touch();
        if (shadow != null && msg instanceof HttpContent) {
            shadow.primaryContent((HttpContent) msg); // copied for the comparison before the relay takes it
        }
        relay.relay(msg, state.responseStarted(), attempt.connection().channel());
    }

    @Override
    public void responseStarted(int status) {
        // A 5xx goes to the client as it is, but counts against the endpoint; it is never retried.
        attemptEnded(HttpStatusClass.valueOf(status) == HttpStatusClass.SERVER_ERROR ? Outcome.FAILED : Outcome.GOOD,
                status, null);
        moveTo(state == CallState.SENDING ? CallState.RELAYING_EARLY : CallState.RELAYING);
        if (op.idleTimeout() == null) {
            clock.disarm(this);
        }
        if (!ex.requestComplete()) {
            ex.discardRestOfBody(); // the upstream answered early; the rest of the body has nowhere to go
        }
    }

    @Override
    public void responseHead(HttpResponse head) {
        if (shadow != null) {
            shadow.primaryHead(head); // as the client gets it: what the comparison must judge
        }
    }

    @Override
    public void responseEnded(boolean keepAlive) {
        boolean wholeRequestSent = state == CallState.RELAYING;
        moveTo(CallState.DONE);
        if (shadow != null) {
            shadow.primaryEnded(true);
        }
        clock.disarm(this);
        gate.resume(ReadGate.CONNECTING | ReadGate.UPSTREAM_FULL);
        UpstreamConnection c = attempt.detach();
        c.channel().config().setAutoRead(true);
        c.release(keepAlive && wholeRequestSent);
    }

    @Override
    public void responseFailed(String error, String message) {
        attemptEnded(Outcome.FAILED, error);
        fail(ErrorCode.BAD_GATEWAY, message);
    }

    @Override
    public void responseCut(String error) {
        attemptEnded(Outcome.FAILED, error);
        abort();
    }

    @Override
    public void onUpstreamReadComplete() {
        if (state.responseStarted()) {
            relay.flush();
        }
    }

    @Override
    public void onUpstreamClosed() {
        if (state == CallState.DONE) {
            return;
        }
        UpstreamConnection closed = attempt.detach();
        if (state.responseStarted()) {
            abort(); // too late for an error response: the client sees the cut
            return;
        }
        Endpoint failed = attempt.endpoint();
        boolean stale = attempt.reused() && !closed.answeredAnything();
        if (stale) {
            attemptEnded(Outcome.NO_VERDICT, "stale_connection"); // most often the upstream's idle timeout crossing our request
        } else {
            attemptEnded(Outcome.FAILED, "connection_closed");
        }
        if (stale && retry(false, failed)) {
            return;
        }
        fail(ErrorCode.BAD_GATEWAY, "upstream closed the connection without answering");
    }

    /** The exchange is over without this call (the client left, or was answered otherwise): stop and let go of everything. */
    @Override
    public void abandon() {
        if (state == CallState.DONE) {
            return;
        }
        boolean awaiting = state == CallState.AWAITING_RESPONSE;
        moveTo(CallState.DONE);
        if (shadow != null) {
            shadow.primaryEnded(false);
        }
        clock.disarm(this);
        if (awaiting) {
            // The client gave up waiting: no verdict on the endpoint. Counted as a failure, one client cancelling
            // its own requests (HTTP/2 resets cost it a frame each) could open the breaker for everyone; a
            // slow endpoint is the response timeout's to judge.
            attemptEnded(Outcome.NO_VERDICT, "client_left");
        } else {
            attemptEnded(Outcome.NO_VERDICT, "abandoned"); // the request was refused, or the exchange is over
        }
        releasePending();
        relay.release();
        gate.resume(ReadGate.CONNECTING | ReadGate.UPSTREAM_FULL);
        UpstreamConnection c = attempt.detach();
        if (c != null) {
            c.release(false);
        } else {
            attempt.pool().cancel(this);
        }
    }

    /**
     * The request itself turned out to be unacceptable while its body streamed upstream: the upstream
     * connection holds half a request and is closed; the client gets the error, or a cut if its
     * response has begun.
     */
    void refuse(ErrorCode code, String message) {
        if (state == CallState.DONE) {
            return;
        }
        if (state.responseStarted()) {
            abort();
        } else {
            fail(code, message);
        }
    }

    /** Answers with a gateway error; the upstream connection, if any, is not reused. */
    private void fail(ErrorCode code, String message) {
        abandon(); // reading resumes: what is left of the body is read and dropped
        ex.reject(client, code, message);
    }

    private void abort() {
        abandon();
        client.close();
    }

    private void releasePending() {
        if (head != null) {
            ReferenceCountUtil.release(head);
            head = null;
        }
        if (pending != null) {
            for (HttpObject msg; (msg = pending.poll()) != null; ) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /** Streams: every byte in either direction pushes the idle deadline out. */
    private void touch() {
        if (op.idleTimeout() != null) {
            clock.push(this, op.idleTimeout().toNanos());
        }
    }

    /** The deadline of the current phase passed: waiting for a connection, an answer, or a byte. */
    void onDeadline() {
        if (state == CallState.DONE) {
            return;
        }
        if (retries.totalArmed() && !state.responseStarted()) {
            attemptEnded(Outcome.FAILED, "timeout");
            fail(ErrorCode.UPSTREAM_TIMEOUT, "no answer within the route's total timeout");
        } else if (state == CallState.CONNECTING) {
            attemptEnded(Outcome.NO_VERDICT, "pool_timeout"); // waited for a free pooled connection: the gateway's limit
            unavailable("no upstream connection became free in time");
        } else if (state.responseStarted()) {
            abort();
        } else {
            attemptEnded(Outcome.FAILED, "timeout");
            fail(ErrorCode.UPSTREAM_TIMEOUT, ErrorCode.UPSTREAM_TIMEOUT.defaultMessage());
        }
    }
}
