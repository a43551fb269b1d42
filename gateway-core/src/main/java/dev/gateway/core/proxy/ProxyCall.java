package dev.gateway.core.proxy;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.codec.HopByHopHeaders;
import dev.gateway.codec.ResponseFraming;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ReadGate;
import dev.gateway.core.exchange.UpstreamCall;
import dev.gateway.core.observe.Tracing;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.RetryBudget;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools.LoopPools;
import dev.gateway.core.upstream.pool.AcquireCallback;
import dev.gateway.core.upstream.pool.EndpointPool;
import dev.gateway.core.upstream.pool.PoolExhaustedException;
import dev.gateway.core.upstream.pool.UpstreamConnection;
import dev.gateway.core.upstream.pool.UpstreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One exchange's trip upstream: acquire a pooled connection, stream the request to it, stream the
 * response back, and give the connection back (or close it) at the end.
 *
 * <p>Messages are forwarded as the decoders made them: the pooled buffers travel from one socket to
 * the other without a copy, and ownership passes with each write. Each side's reading is paused while
 * the other side cannot take more ({@code autoRead} off until writability returns), so memory per
 * exchange stays bounded whatever the body size. Everything runs on the client's event loop.
 *
 * <p>Each attempt holds a permit of its endpoint's circuit breaker and reports how it went (an answer
 * that is not 5xx, or a failure: no connection, no answer, a 5xx). A failed attempt is retried, on
 * another endpoint where there is one, only when none of the request can have reached the upstream: the
 * connection was refused or timed out (head and body are still here), or a reused keep-alive connection
 * closed without sending a single byte back, for a request without a body. Only idempotent methods and
 * requests carrying an {@code Idempotency-Key} are retried, at most {@code retries.maxRetries} times and
 * within the loop's {@link RetryBudget}; a body is never sent twice.
 */
final class ProxyCall implements UpstreamCall, AcquireCallback, UpstreamListener {
    private static final AsciiString IDEMPOTENCY_KEY = AsciiString.cached("idempotency-key");

    private final ChannelHandlerContext client;
    private final Exchange ex;
    private final RoutedOperation op;
    private final LoopPools pools;
    private final RetryBudget budget;
    private EndpointPool pool;
    /** The endpoint whose breaker permit this attempt holds, until its outcome is recorded. */
    private Endpoint permit;
    /** When forwarding started, and when the current attempt did ({@link System#nanoTime}). */
    private long forwardStartNanos;
    private long attemptStartNanos;
    /** The tracer, or {@code null} when tracing is off; the current attempt's client span. */
    private final Tracing tracing;
    private Span attemptSpan;
    /** The upstream's status for the attempt's span, once its response head is in. */
    private int attemptStatus;
    private int retries;
    /**
     * When the route's total timeout ends ({@link System#nanoTime}); 0 for streams. Counted from the start
     * of forwarding to the response head, over every attempt.
     */
    private long totalDeadlineNanos;
    /** The armed deadline is the total one: when it passes, it is a timeout whatever the phase. */
    private boolean totalArmed;
    /** A body-less request's head, kept after it was written in case a stale connection must be retried. */
    private HttpRequest sentHead;
    private boolean attemptReused;
    private final String clientAddress;
    private final ReadGate gate;
    private final CallClock clock;
    /** The request head until it is written upstream. */
    private HttpRequest head;
    /** Body parts that arrived before the upstream connection was ready; made only when needed. */
    private ArrayDeque<HttpObject> pending;
    private boolean acquiring;
    private UpstreamConnection upstream;
    private boolean unflushedUpstream;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean reusable;
    private boolean done;
    /** The response's check against the contract, when its operation's responses are checked. */
    private ResponseCheck check;
    /** In enforce mode, the response head waits here until the body has been checked. */
    private HttpResponse heldHead;

    /** @param pool where the first attempt goes, its endpoint's breaker permit already taken */
    ProxyCall(ChannelHandlerContext client, ReadGate gate, CallClock clock, Exchange ex, LoopPools pools,
            EndpointPool pool, String clientAddress, Tracing tracing) {
        this.client = client;
        this.tracing = tracing;
        this.gate = gate;
        this.clock = clock;
        this.ex = ex;
        this.op = ex.operation();
        this.pools = pools;
        this.budget = pools.retryBudget(op.upstream());
        this.pool = pool;
        this.permit = pool.endpoint();
        this.clientAddress = clientAddress;
    }

    /** The exchange this call serves. */
    Exchange exchange() {
        return ex;
    }

    void start(HttpRequest request) {
        ForwardedHeaders.toUpstream(ex.request(), ex.requestId(), ex.contentLength(), ex.target(), ex.principal(),
                clientAddress, pool.endpoint().hostHeader());
        head = request;
        long now = System.nanoTime();
        forwardStartNanos = now;
        
        // From the moment forwarding starts: a held JSON body is complete by then, and the client's own
        // pace of sending is on its own clock (client.bodyIdleTimeout), not the route's.
        totalDeadlineNanos = op.totalTimeout() == null ? 0 : now + op.totalTimeout().toNanos();
        budget.request(now);
        attempt(false);
    }

    private void attempt(boolean fresh) {
        attemptStartNanos = System.nanoTime();
        attemptStatus = 0;
        if (tracing != null && ex.span() != null) {
            Endpoint e = pool.endpoint();
            attemptSpan = tracing.clientSpan(ex.span(), head, e.upstream(), e.address().getHostString(),
                    e.address().getPort(), retries);
        }
        acquiring = true;
        pool.callStarted();
        pool.acquire(this, fresh); // most often answered at once, from the idle connections
        if (acquiring && !done) {
            // A little longer than the connect timeout, so that a slow connect fails as a connect timeout.
            arm(op.upstream().config().connectTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(50));
            gate.pause(ReadGate.CONNECTING); // hold the body back until there is somewhere to send it
        }
    }

    /** Arms the call's deadline, never past the route's total timeout while no response has started. */
    private void arm(long timeoutNanos) {
        totalArmed = false;
        if (totalDeadlineNanos != 0 && !responseStarted) {
            long left = totalDeadlineNanos - System.nanoTime();
            if (left <= timeoutNanos) {
                totalArmed = true;
                timeoutNanos = Math.max(0, left);
            }
        }
        clock.arm(this, timeoutNanos);
    }

    @Override
    public void onAcquired(UpstreamConnection connection) {
        if (done) {
            connection.release(true); // the client left while we connected; the connection is still good
            return;
        }
        acquiring = false;
        upstream = connection;
        attemptReused = connection.reused();
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
        if (requestSent || ex.bodyExpected()) {
            up.flush(); // a body-less request is flushed with its end marker, which follows at once
        }
        if (op.idleTimeout() != null) {
            clock.arm(this, op.idleTimeout().toNanos());
        } else if (!requestSent) {
            clock.disarm(this); // the body is on the client's clock until it is all sent
        }
        if (!requestSent && !up.isWritable()) {
            gate.pause(ReadGate.UPSTREAM_FULL);
        }
        gate.resume(ReadGate.CONNECTING);
    }

    @Override
    public void onAcquireFailed(Throwable cause) {
        acquiring = false;
        if (done) {
            return;
        }
        if (cause instanceof PoolExhaustedException) {
            attemptEnded(Outcome.NO_VERDICT, "pool_exhausted"); // the gateway's own limit: no fault of the endpoint's
            unavailable("upstream connection limit reached");
            return;
        }
        Endpoint failed = pool.endpoint();
        attemptEnded(Outcome.FAILED, cause instanceof ConnectTimeoutException ? "connect_timeout" : "connect_failed");
        if (retry(true, failed)) {
            return;
        }
        if (cause instanceof ConnectTimeoutException) {
            fail(ErrorCode.UPSTREAM_TIMEOUT, "upstream did not accept the connection in time");
        } else {
            fail(ErrorCode.BAD_GATEWAY, "upstream refused the connection");
        }
    }

    /** How an attempt went, for its endpoint's breaker and failure streak. */
    private enum Outcome {
        /** An answer that is not 5xx. */
        GOOD,
        /** No connection, no answer, a 5xx, or a client that gave up waiting for the answer. */
        FAILED,
        /** Ended for the gateway's or the client's reasons: the permit goes back, the streak stays. */
        NO_VERDICT
    }

    /**
     * Records the attempt's outcome on its endpoint (once), in its metrics and its span, and stops
     * counting it as a call in flight.
     *
     * @param error what went wrong, for the span; {@code null} when the upstream answered
     */
    private void attemptEnded(Outcome outcome, String error) {
        if (permit == null) {
            return;
        }
        long now = System.nanoTime();
        long nanos = now - attemptStartNanos;
        ex.upstreamTime(now - forwardStartNanos);
        Upstream u = op.upstream();
        switch (outcome) {
            case GOOD -> {
                u.succeeded(permit);
                permit.metrics().attemptSucceeded(nanos);
            }
            case FAILED -> {
                u.failed(permit);
                permit.metrics().attemptFailed(nanos);
            }
            default -> {
                u.released(permit);
                permit.metrics().attemptAbandoned(nanos);
            }
        }
        if (attemptSpan != null) {
            Tracing.endClientSpan(attemptSpan, attemptStatus, error);
            attemptSpan = null;
        }
        permit = null;
        pool.callEnded();
    }

    /**
     * Sends the request again after a failure that none of it can have crossed.
     *
     * @param nothingWritten the connection never came (head and body are still here); otherwise a reused
     *     connection closed before answering, and only a request without a body is sent again
     * @param failed the endpoint that failed, avoided when another one can take the retry
     * @return whether a retry is under way
     */
    private boolean retry(boolean nothingWritten, Endpoint failed) {
        Upstream u = op.upstream();
        long now = System.nanoTime();
        if (retries >= u.config().retries().maxRetries() || !idempotent()
                || (!nothingWritten && (!requestSent || ex.bodyExpected() || sentHead == null))
                || (totalDeadlineNanos != 0 && now - totalDeadlineNanos >= 0)) {
            return false;
        }
        if (!budget.hasRoom(now)) {
            u.metrics().retryBudgetExhausted();
            return false;
        }
        // After a refused or timed-out connection, only another endpoint (the same one would most likely
        // refuse again, or make the client wait another connect timeout); a stale connection says nothing
        // against its endpoint, and a new connection to any will do.
        EndpointPool next = pools.pick(u, nothingWritten ? failed : null);
        if (next == null) {
            return false;
        }
        budget.tryRetry(now); // there was room a moment ago, on this same loop
        u.metrics().retried();
        retries++;
        pool = next;
        permit = next.endpoint();
        if (!nothingWritten) {
            head = sentHead;
            sentHead = null;
            requestSent = false;
            pending = new ArrayDeque<>(1);
            pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        head.headers().set(HttpHeaderNames.HOST, next.endpoint().hostHeader());
        attempt(!nothingWritten); // after a stale connection, a new one
        return true;
    }

    /** Safe to send twice: the method says so, or the client's {@code Idempotency-Key} does. */
    private boolean idempotent() {
        HttpMethod m = ex.request().method();
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.PUT)
                || m.equals(HttpMethod.DELETE) || m.equals(HttpMethod.OPTIONS)
                || ex.request().headers().contains(IDEMPOTENCY_KEY);
    }

    private void unavailable(String message) {
        abandon();
        ex.rejectUnavailable(client, message, 1);
    }

    void requestContent(HttpContent content) {
        if (done) {
            content.release();
            return;
        }
        if (upstream == null) {
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.add(content); // at most what one read decoded: reading is paused until connected
            return;
        }
        Channel up = upstream.channel();
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

    private void requestSent() {
        requestSent = true;
        if (!responseStarted && op.idleTimeout() == null) {
            arm(op.responseTimeout().toNanos());
        }
        gate.resume(ReadGate.CONNECTING | ReadGate.UPSTREAM_FULL); // read on: a client that leaves is noticed
    }

    /** Flushes what the client's last read produced, once per read rather than once per chunk. */
    void flushUpstream() {
        if (unflushedUpstream && upstream != null) {
            unflushedUpstream = false;
            upstream.channel().flush();
        }
    }

    void clientWritabilityChanged(boolean writable) {
        if (upstream != null && responseStarted && !done) {
            upstream.channel().config().setAutoRead(writable);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (!done && !requestSent) {
            if (writable) {
                gate.resume(ReadGate.UPSTREAM_FULL);
            } else {
                gate.pause(ReadGate.UPSTREAM_FULL);
            }
        }
    }

    @Override
    public void onUpstreamMessage(HttpObject msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        touch();
        if (msg.decoderResult().isFailure() && !(msg instanceof HttpResponse && !responseStarted)) {
            // The body's framing broke mid-response (a bad chunk, a bad trailer): the client must not take
            // what it has for the whole answer.
            ReferenceCountUtil.release(msg);
            attemptEnded(Outcome.FAILED, "invalid_response");
            if (responseStarted && heldHead == null) {
                abort();
            } else {
                fail(ErrorCode.BAD_GATEWAY, "upstream answered with something that is not HTTP");
            }
            return;
        }
        if (msg instanceof LastHttpContent) {
            HopByHopHeaders.stripTrailers(((LastHttpContent) msg).trailingHeaders());
        }
        if (msg instanceof HttpResponse && !responseStarted) {
            if (!responseHead((HttpResponse) msg)) {
                return;
            }
            check = ResponseCheck.start(op, (HttpResponse) msg, client.alloc());
            if (check != null && op.enforcesResponses()) {
                heldHead = (HttpResponse) msg; // written once the body is known to match
                return;
            }
        } else if (!responseStarted) {
            ReferenceCountUtil.release(msg); // body of a skipped 1xx
            return;
        } else if (heldHead != null) {
            enforced((HttpContent) msg);
            return;
        }
        if (check != null && msg instanceof HttpContent
                && !check.add(((HttpContent) msg).content().retainedDuplicate())) {
            check.release(); // too large to check: it simply streams on
            check = null;
        }
        if (msg instanceof LastHttpContent) {
            if (check != null) {
                // Log mode: everything but the last bytes is on its way; the check costs microseconds,
                // and a mismatch is logged and counted by the time the client has the whole response.
                check.verify();
                check.release();
                check = null;
            }
            responseDone(); // first: writing the end may start the client's next (pipelined) exchange at once
            client.writeAndFlush(msg, client.voidPromise());
            return;
        }
        client.write(msg, client.voidPromise());
        if (!client.channel().isWritable()) {
            upstream.channel().config().setAutoRead(false);
        }
    }

    /** Enforce mode: collects the body; at its end, forwards head and body if they match, else 502. */
    private void enforced(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (!check.add(content.content().retain())) {
            // Too large to hold: send what is held and stream the rest unchecked.
            HttpResponse head = heldHead;
            heldHead = null;
            client.write(head, client.voidPromise());
            ByteBuf held = check.takeBody();
            check = null;
            if (last) {
                LastHttpContent end = new DefaultLastHttpContent(held);
                end.trailingHeaders().set(((LastHttpContent) content).trailingHeaders());
                content.release();
                responseDone();
                client.writeAndFlush(end, client.voidPromise());
            } else {
                content.release();
                client.write(new DefaultHttpContent(held), client.voidPromise());
            }
            return;
        }
        if (!last) {
            content.release();
            return;
        }
        HttpResponse head = heldHead;
        heldHead = null;
        List<ErrorDetail> violations = check.verify();
        ByteBuf body = check.takeBody();
        check = null;
        if (violations.isEmpty()) {
            LastHttpContent end = new DefaultLastHttpContent(body);
            end.trailingHeaders().set(((LastHttpContent) content).trailingHeaders());
            content.release();
            responseDone();
            client.write(head, client.voidPromise());
            client.writeAndFlush(end, client.voidPromise());
            return;
        }
        content.release();
        body.release();
        ReferenceCountUtil.release(head);
        responseDone(); // the upstream connection finished its answer: it can be reused
        ex.reject(client, ErrorCode.BAD_GATEWAY, "upstream response does not match the contract");
    }

    /** @return whether the message goes on to the client */
    private boolean responseHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            attemptEnded(Outcome.FAILED, "invalid_response");
            fail(ErrorCode.BAD_GATEWAY, "upstream answered with something that is not HTTP");
            return false;
        }
        String framing = ResponseFraming.violation(response);
        if (framing == null && !HopByHopHeaders.stripNominated(response.headers())) {
            framing = "upstream response names too many connection options";
        }
        if (framing != null) {
            ReferenceCountUtil.release(response);
            attemptEnded(Outcome.FAILED, "invalid_response");
            fail(ErrorCode.BAD_GATEWAY, framing);
            return false;
        }
        HttpResponseStatus status = response.status();
        if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
            if (status.code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                ReferenceCountUtil.release(response);
                attemptEnded(Outcome.FAILED, "switching_protocols");
                fail(ErrorCode.BAD_GATEWAY, "upstream switched protocols");
            } else {
                ReferenceCountUtil.release(response); // interim answers stay between gateway and upstream
            }
            return false;
        }
        // A 5xx goes to the client as it is, but counts against the endpoint; it is never retried.
        attemptStatus = status.code();
        attemptEnded(status.codeClass() == HttpStatusClass.SERVER_ERROR ? Outcome.FAILED : Outcome.GOOD, null);
        responseStarted = true;
        reusable = HttpUtil.isKeepAlive(response);
        if (op.idleTimeout() == null) {
            clock.disarm(this);
        }
        boolean bodyAllowed = status.code() != 204 && status.code() != 304;
        if (!ForwardedHeaders.toClient(response, ex.clientSpeaks11(), bodyAllowed)) {
            ex.closeAfterResponse(); // an HTTP/1.0 client learns where the body ends by the close
        }
        if (!ex.requestComplete()) {
            ex.discardRestOfBody(); // the upstream answered early; the rest of the body has nowhere to go
        }
        return true;
    }

    private void responseDone() {
        done = true;
        clock.disarm(this);
        gate.resume(ReadGate.CONNECTING | ReadGate.UPSTREAM_FULL);
        UpstreamConnection c = upstream;
        upstream = null;
        c.channel().config().setAutoRead(true);
        c.release(reusable && requestSent);
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!done && responseStarted) {
            client.flush();
        }
    }

    @Override
    public void onUpstreamClosed() {
        if (done) {
            return;
        }
        UpstreamConnection closed = upstream;
        upstream = null;
        if (responseStarted) {
            abort(); // too late for an error response: the client sees the cut
            return;
        }
        Endpoint failed = pool.endpoint();
        boolean stale = attemptReused && !closed.answeredAnything();
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
        if (done) {
            return;
        }
        done = true;
        clock.disarm(this);
        if (requestSent && !responseStarted) {
            attemptEnded(Outcome.FAILED, "client_left"); // the client gave up waiting for the answer: the endpoint was slow
        } else {
            attemptEnded(Outcome.NO_VERDICT, "abandoned"); // the request was refused, or the exchange is over
        }
        releasePending();
        releaseCheck();
        gate.resume(ReadGate.CONNECTING | ReadGate.UPSTREAM_FULL);
        if (upstream != null) {
            UpstreamConnection c = upstream;
            upstream = null;
            c.release(false);
        } else {
            pool.cancel(this);
        }
    }

    /**
     * The request itself turned out to be unacceptable while its body streamed upstream: the upstream
     * connection holds half a request and is closed; the client gets the error, or a cut if its
     * response has begun.
     */
    void refuse(ErrorCode code, String message) {
        if (done) {
            return;
        }
        if (responseStarted) {
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

    private void releaseCheck() {
        if (check != null) {
            check.release();
            check = null;
        }
        if (heldHead != null) {
            ReferenceCountUtil.release(heldHead);
            heldHead = null;
        }
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
        if (done) {
            return;
        }
        if (totalArmed && !responseStarted) {
            attemptEnded(Outcome.FAILED, "timeout");
            fail(ErrorCode.UPSTREAM_TIMEOUT, "no answer within the route's total timeout");
        } else if (acquiring) {
            attemptEnded(Outcome.NO_VERDICT, "pool_timeout"); // waited for a free pooled connection: the gateway's limit
            unavailable("no upstream connection became free in time");
        } else if (responseStarted) {
            abort();
        } else {
            attemptEnded(Outcome.FAILED, "timeout");
            fail(ErrorCode.UPSTREAM_TIMEOUT, ErrorCode.UPSTREAM_TIMEOUT.defaultMessage());
        }
    }
}
