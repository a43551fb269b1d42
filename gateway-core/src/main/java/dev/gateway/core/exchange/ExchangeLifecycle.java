package dev.gateway.core.exchange;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestIds;
import dev.gateway.core.net.Connections;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;


/**
 * Owns the exchanges of one client connection, one at a time: gives each request its id, keeps
 * keep-alive and pipelining honest, and makes sure every request is answered exactly once.
 *
 * <p>Inbound it opens an {@link Exchange} per request (a pipelined request waits, with reading paused,
 * until the previous response is done) and drops body content that an early answer made moot.
 * Outbound it stamps {@code X-Request-Id} and {@code Connection} on every response, drops any write
 * for an exchange that was already answered, and ends the exchange when its last content is written.
 *
 * <p>On HTTP/2 each stream is a channel of its own with its own lifecycle, which so sees one exchange;
 * closing it resets the stream, not the connection.
 */
public final class ExchangeLifecycle extends ChannelDuplexHandler {
    /** Body bytes the gateway reads and drops after an early answer rather than closing the connection. */
    private static final long DISCARDABLE_BODY_BYTES = 64 * 1024;
    /** After an early answer on a connection that must close, how long the client may keep sending. */
    private static final long LINGER_MILLIS = 2_000;
    /**
     * A busy wait per request, for proving that the latency gate fails on a slower request path
     * ({@code scripts/bench-gate --slowdown-nanos N}). Zero, and so compiled away, unless set.
     */
    private static final long TESTING_SPIN_NANOS = Long.getLong("gateway.testing.requestSpinNanos", 0);

    private final ServerState state;
    private final ConnectionTimeouts timeouts;
    private final ExchangeObserver observer;
    /** The client's address and port, read once per connection. */
    private String clientAddress;
    private int clientPort;
    private boolean secure;
    private ClientProtocol protocol;
    private ReadGate gate;
    private Exchange current;
    private HttpRequest pipelined;
    /**
     * An answer that closes the connection has been written: whatever the client sent after it (a
     * pipelined request, bytes after a refused framing) is never read as a request.
     */
    private boolean closing;

    /** @param observer told of every exchange's start and end (the access log, metrics and traces) */
    public ExchangeLifecycle(ServerState state, ConnectionTimeouts timeouts, ExchangeObserver observer) {
        this.state = state;
        this.timeouts = timeouts;
        this.observer = observer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        gate = new ReadGate(ctx.channel());
        // TLS sits before this handler, or on the connection whose HTTP/2 stream this channel is.
        Channel connection = Connections.of(ctx.channel());
        secure = connection.pipeline().get(SslHandler.class) != null;
        protocol = ClientProtocol.of(secure, connection != ctx.channel());
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) remote;
            clientAddress = inet.getAddress().getHostAddress();
            clientPort = inet.getPort();
        } else {
            clientAddress = String.valueOf(remote);
        }
    }

    /** The client's IP address, as the logs and {@code X-Forwarded-For} give it. */
    public String clientAddress() {
        return clientAddress;
    }

    /** Whether the client's connection is TLS ({@code X-Forwarded-Proto: https}). */
    public boolean secure() {
        return secure;
    }

    /** The connection's read gate, shared by the stages that must pause the client. */
    public ReadGate gate() {
        return gate;
    }

    /** The exchange in flight on this connection, or {@code null} between requests. */
    public Exchange current() {
        return current;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing && current == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            HttpRequest request = (HttpRequest) msg;
            if (current != null) {
                // Pipelined: hold it and read nothing more until the current response is written.
                pipelined = request;
                gate.pause(ReadGate.PIPELINED);
                return;
            }
            begin(ctx, request);
        } else if (msg instanceof HttpContent) {
            content(ctx, (HttpContent) msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest request) {
        if (TESTING_SPIN_NANOS > 0) {
            spin();
        }
        HttpHeaders headers = request.headers();
        String id = headers.get(RequestIds.X_REQUEST_ID);
        // Two lines read as one list ("a, b"), which is no acceptable id: a new one, as the legacy gateway made.
        if (id == null || !RequestIds.isAcceptable(id) || RequestFraming.repeated(headers, RequestIds.X_REQUEST_ID)) {
            id = RequestIds.newId();
            headers.set(RequestIds.X_REQUEST_ID, id);
        }
        // A head the decoder failed on is refused whole: its framing headers are not read (they may be what failed).
        boolean full = request instanceof LastHttpContent || request.decoderResult().isFailure();
        boolean chunked = !full && HttpUtil.isTransferEncodingChunked(request);
        // How the decoder framed the body: the upstream request is framed from this, not from the headers.
        long length = chunked ? Exchange.CHUNKED : full ? Exchange.NO_BODY
                : HttpUtil.getContentLength(request, Exchange.NO_BODY);
        boolean bodyExpected = chunked || length > 0;
        Exchange ex = new Exchange(id, request, timeouts.takeRequestStart(), length, bodyExpected && !full,
                !chunked && length <= DISCARDABLE_BODY_BYTES);
        current = ex;
        state.exchangeStarted();
        ex.span = observer.started(id, request, protocol, clientAddress, clientPort);
        if (request instanceof LastHttpContent) {
            ex.requestComplete = true; // (a head failed later keeps the linger: the client may still be sending)
        }
        timeouts.headersReceived(ex.bodyExpected());
        if (state.refusingRequests()) {
            ReferenceCountUtil.release(request);
            ex.closeAfterResponse();
            respond(ctx, ex, ErrorResponses.create(ctx.alloc(), ErrorCode.DRAINING, id));
            return;
        }
        ex.awaitingContinue = bodyExpected && HttpUtil.is100ContinueExpected(request);
        ctx.fireChannelRead(request);
    }

    private void content(ChannelHandlerContext ctx, HttpContent content) {
        Exchange ex = current;
        if (ex == null || ex.requestComplete) {
            content.release(); // stray content after a failed decode; the connection is closing
            return;
        }
        if (content.decoderResult().isFailure()) {
            bodyUnreadable(ctx, ex, content);
            return;
        }
        ex.bytesIn += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            ex.requestComplete = true;
            timeouts.requestReceived();
            HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
            if (!trailers.isEmpty()) {
                trailers.clear(); // request trailers are never forwarded: nothing the client adds after the body counts
            }
        }
        if (!ex.discardBody) {
            ctx.fireChannelRead(content);
            return;
        }
        content.release();
        if (last && ex.responseComplete) {
            end(ctx, ex); // the answer went out first; the body has now been read to its end
        }
    }

    /**
     * The decoder lost the body's framing (a bad chunk size, a broken trailer): nothing more of this
     * connection can be read. A trip upstream under way is cut, so the upstream never takes half a body
     * for a whole one; the client gets 400 if its answer has not begun, else the close.
     */
    private void bodyUnreadable(ChannelHandlerContext ctx, Exchange ex, HttpContent content) {
        content.release();
        ex.requestComplete = true;
        ex.closeAfterResponse();
        ex.abandonCall();
        if (ex.responseStarted) {
            ctx.close();
        } else {
            respond(ctx, ex, ErrorResponses.create(ctx.alloc(), ErrorCode.VALIDATION_FAILED,
                    "malformed request: unreadable body framing", ex.requestId()));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof ClientTimeout)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        Exchange ex = current;
        if (evt == ClientTimeout.KEEP_ALIVE || (ex != null && ex.responseStarted)) {
            ctx.close();
            return;
        }
        if (ex == null) {
            ex = new Exchange(RequestIds.newId(), null, timeouts.takeRequestStart(), Exchange.NO_BODY, false, false);
            current = ex;
            state.exchangeStarted();
        }
        ex.closeAfterResponse();
        respond(ctx, ex, ErrorResponses.create(ctx.alloc(), ErrorCode.REQUEST_TIMEOUT, ex.requestId()));
    }

    /** Writes a whole response from this handler (its own writes do not pass through {@link #write}). */
    private void respond(ChannelHandlerContext ctx, Exchange ex, FullHttpResponse response) {
        ex.discardBody = true;
        prepare(ex, response);
        ex.bytesOut += response.content().readableBytes();
        ctx.writeAndFlush(response).addListener(f -> responseWritten(ctx, ex, f.isSuccess()));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Exchange ex = current;
        if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                if (ex == null || ex.responseStarted) {
                    drop(msg, promise);
                    return;
                }
                ex.awaitingContinue = false;
                ctx.write(msg, promise); // 100 Continue: not the answer yet
                return;
            }
            if (ex == null || ex.responseStarted) {
                drop(msg, promise); // the exchange was already answered (a timeout beat the upstream)
                return;
            }
            prepare(ex, response);
        } else if (msg instanceof HttpContent && (ex == null || !ex.responseStarted || ex.responseComplete)) {
            drop(msg, promise);
            return;
        }
        if (msg instanceof HttpContent) {
            ex.bytesOut += ((HttpContent) msg).content().readableBytes();
        }
        if (msg instanceof LastHttpContent) {
            ex.responseComplete = true;
            ctx.write(msg, promise.unvoid()).addListener(f -> responseWritten(ctx, ex, f.isSuccess()));
            return;
        }
        ctx.write(msg, promise);
    }

    private static void drop(Object msg, ChannelPromise promise) {
        ReferenceCountUtil.release(msg);
        promise.tryFailure(AlreadyAnsweredException.INSTANCE);
    }

    /** Stamps the headers every response carries and settles whether the connection survives it. */
    private void prepare(Exchange ex, HttpResponse response) {
        ex.responseStarted = true;
        ex.status = response.status().code();
        if (response instanceof LastHttpContent) {
            ex.responseComplete = true;
        }
        HttpHeaders headers = response.headers();
        headers.set(RequestIds.X_REQUEST_ID, ex.requestId());
        boolean keepAlive = ex.clientKeepAlive(); // the request itself may have been rewritten for the upstream
        boolean bodyLeft = ex.bodyExpected() && !ex.requestComplete;
        // A body we will not read (too large, or one the client holds back awaiting 100 Continue that
        // will never come) leaves the connection's framing unknowable: close it after this answer.
        if (!keepAlive || state.refusingRequests() || (bodyLeft && (!ex.bodyDiscardable() || ex.awaitingContinue))) {
            ex.closeAfterResponse();
        }
        if (ex.closeAfterResponse) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!ex.clientSpeaks11()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private void responseWritten(ChannelHandlerContext ctx, Exchange ex, boolean written) {
        if (ex.ended) {
            return;
        }
        ex.delivered = written;
        if (ex.closeAfterResponse) {
            closing = true;
            end(ctx, ex);
            if (ex.requestComplete || !ctx.channel().isActive()) {
                ctx.close();
            } else {
                lingerThenClose(ctx);
            }
        } else if (ex.requestComplete) {
            end(ctx, ex);
        }
        // else: a small body is still arriving; content() ends the exchange at its last chunk
    }

    /**
     * Half-closes instead of closing while the client is still sending: an abrupt close could reset
     * the connection before the client reads our answer.
     */
    private void lingerThenClose(ChannelHandlerContext ctx) {
        if (ctx.channel() instanceof DuplexChannel) {
            ((DuplexChannel) ctx.channel()).shutdownOutput();
            gate.open();
            ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            ctx.close();
        }
    }

    private void end(ChannelHandlerContext ctx, Exchange ex) {
        if (ex.ended) {
            return;
        }
        ex.ended = true;
        ex.abandonCall();
        ex.leaveUpstream();
        if (current == ex) {
            current = null;
        }
        state.exchangeEnded();
        ExchangeRecord record = ex.record(System.nanoTime(), clientAddress, clientPort);
        observer.ended(record);
        if (ex.whenEnded != null) {
            ex.whenEnded.accept(record);
        }
        if (ex.closeAfterResponse || !ctx.channel().isActive()) {
            return;
        }
        if (state.refusingRequests() && pipelined == null) {
            ctx.close(); // draining: an idle connection has nothing more to do
            return;
        }
        timeouts.exchangeEnded();
        HttpRequest next = pipelined;
        pipelined = null;
        if (next != null) {
            begin(ctx, next); // before reading on: the rest of that request must find its exchange
        }
        gate.resume(ReadGate.PIPELINED);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange ex = current;
        if (ex != null) {
            ex.closeAfterResponse();
            end(ctx, ex);
        }
        if (pipelined != null) {
            ReferenceCountUtil.release(pipelined);
            pipelined = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // I/O errors on the client socket (resets): nothing to answer
    }

    private static void spin() {
        long until = System.nanoTime() + TESTING_SPIN_NANOS;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    /** Failure of a write that came too late: its exchange had already been answered. */
    static final class AlreadyAnsweredException extends IllegalStateException {
        static final AlreadyAnsweredException INSTANCE = new AlreadyAnsweredException();

        private AlreadyAnsweredException() {
            super("exchange already answered");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
