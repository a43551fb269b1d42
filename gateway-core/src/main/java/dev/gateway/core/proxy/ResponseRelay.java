package dev.gateway.core.proxy;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.codec.HopByHopHeaders;
import dev.gateway.codec.ResponseFraming;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.route.RoutedOperation;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * The response side of a trip upstream: takes what the upstream connection decoded and writes it to the
 * client, as decoded (no aggregation, no copy).
 *
 * <ul>
 *   <li>The head is checked and rewritten: a head the decoder could not read, framing two parsers could
 *       read differently ({@link ResponseFraming#violation}: a transfer coding other than {@code chunked},
 *       RFC 9112 §6.1), a {@code Connection} naming too many options, and {@code 101} are refused (the
 *       call answers 502); interim {@code 1xx} answers stay between gateway and upstream (RFC 9110 §15.2);
 *       hop-by-hop fields go and the gateway's own version and framing are set
 *       ({@link ForwardedHeaders#toClient}).</li>
 *   <li>Trailers lose what may not travel in them ({@link HopByHopHeaders#stripTrailers}); a body part the
 *       decoder could not frame ends the answer: 502 if nothing has reached the client, else the cut.</li>
 *   <li>Parts are flushed once per upstream read ({@link #flush}), so an event stream reaches the client
 *       event by event; while the client socket is full, the upstream is not read ({@code autoRead}
 *       off) until it drains.</li>
 *   <li>Where the operation's responses are checked, a {@link ResponseCheck} collects the JSON body: in
 *       {@code log} mode as retained views of what goes on (nothing held back, the check runs before the
 *       last part is written); in {@code enforce} mode head and body are held and sent only if they
 *       match, else 502; over {@link ResponseCheck#MAX_BYTES} the body streams on unchecked.</li>
 * </ul>
 *
 * What the call must decide (the attempt's outcome, its state, the connection) goes back through the
 * {@link Listener}. One relay per client connection, used by each of its calls in turn: it holds nothing of a
 * response once that response has ended or was {@linkplain #release released}. Event-loop only.
 */
final class ResponseRelay {
    /** The call whose response is relayed. Every method is called on the event loop, at most once per response. */
    interface Listener {
        /**
         * A final response head was accepted and is about to go on (or be held): the attempt answered.
         *
         * @param status its status code
         */
        void responseStarted(int status);

        /**
         * The whole response was read from the upstream; called before its last part is written, since
         * writing it may start the client's next (pipelined) exchange at once.
         *
         * @param keepAlive the upstream lets the connection be reused (RFC 9112 §9.3)
         */
        void responseEnded(boolean keepAlive);

        /**
         * The response head as the client will get it (rewritten; the exchange adds its
         * {@code X-Request-Id} as it is written). Still the relay's: read it, do not keep it.
         */
        void responseHead(HttpResponse head);

        /**
         * The response cannot be relayed and nothing of it has reached the client: the call answers 502.
         *
         * @param error why, for the attempt's span ({@code invalid_response}, {@code switching_protocols})
         * @param message the 502's message
         */
        void responseFailed(String error, String message);

        /**
         * The response broke after its head went to the client: too late for an error, so the client's
         * connection is cut.
         *
         * @param error why, for the attempt's span
         */
        void responseCut(String error);
    }

    private static final String NOT_HTTP = "upstream answered with something that is not HTTP";

    private final ChannelHandlerContext client;
    private Listener listener;
    private Exchange ex;
    private RoutedOperation op;
    /** The response's check against the contract, when its operation's responses are checked. */
    private ResponseCheck check;
    /** In enforce mode, the response head waits here until the body has been checked. */
    private HttpResponse heldHead;
    /** The upstream lets its connection be reused after this response. */
    private boolean keepAlive;

    /** @param client the client connection's context (the proxy stage's) */
    ResponseRelay(ChannelHandlerContext client) {
        this.client = client;
    }

    /** The relay now serves this call's response. */
    void begin(Listener listener, Exchange ex) {
        this.listener = listener;
        this.ex = ex;
        this.op = ex.operation();
    }

    /**
     * Takes one decoded message from the upstream (ownership passes).
     *
     * @param started whether a final head of this response was accepted already (the call is relaying)
     * @param upstream the upstream channel it came from, paused while the client cannot take more
     */
    void relay(HttpObject msg, boolean started, Channel upstream) {
        if (msg.decoderResult().isFailure() && !(msg instanceof HttpResponse && !started)) {
            // The body's framing broke mid-response (a bad chunk, a bad trailer): the client must not take
            // what it has for the whole answer.
            ReferenceCountUtil.release(msg);
            if (started && heldHead == null) {
                listener.responseCut("invalid_response");
            } else {
                listener.responseFailed("invalid_response", NOT_HTTP);
            }
            return;
        }
        if (msg instanceof LastHttpContent) {
            HopByHopHeaders.stripTrailers(((LastHttpContent) msg).trailingHeaders());
        }
        if (msg instanceof HttpResponse && !started) {
            if (!head((HttpResponse) msg)) {
                return;
            }
            check = ResponseCheck.start(op, (HttpResponse) msg, client.alloc());
            if (check != null && op.enforcesResponses()) {
                heldHead = (HttpResponse) msg; // written once the body is known to match
                return;
            }
        } else if (!started) {
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
            listener.responseEnded(keepAlive); // first: writing the end may start the next exchange at once
            client.writeAndFlush(msg, client.voidPromise());
            return;
        }
        client.write(msg, client.voidPromise());
        if (!client.channel().isWritable()) {
            upstream.config().setAutoRead(false);
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
                LastHttpContent end = lastPart(held, (LastHttpContent) content);
                listener.responseEnded(keepAlive);
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
            LastHttpContent end = lastPart(body, (LastHttpContent) content);
            listener.responseEnded(keepAlive);
            client.write(head, client.voidPromise());
            client.writeAndFlush(end, client.voidPromise());
            return;
        }
        content.release();
        body.release();
        ReferenceCountUtil.release(head);
        listener.responseEnded(keepAlive); // the upstream connection finished its answer: it can be reused
        ex.reject(client, ErrorCode.BAD_GATEWAY, "upstream response does not match the contract");
    }

    /** The held body as the response's last part, with the upstream's last part's trailers (released here). */
    private static LastHttpContent lastPart(ByteBuf body, LastHttpContent upstreamLast) {
        LastHttpContent end = new DefaultLastHttpContent(body);
        end.trailingHeaders().set(upstreamLast.trailingHeaders());
        upstreamLast.release();
        return end;
    }

    /** @return whether the head goes on to the client (or is held for the check) */
    private boolean head(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            listener.responseFailed("invalid_response", NOT_HTTP);
            return false;
        }
        String framing = ResponseFraming.violation(response);
        if (framing == null && !HopByHopHeaders.stripNominated(response.headers())) {
            framing = "upstream response names too many connection options";
        }
        if (framing != null) {
            ReferenceCountUtil.release(response);
            listener.responseFailed("invalid_response", framing);
            return false;
        }
        HttpResponseStatus status = response.status();
        if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
            ReferenceCountUtil.release(response); // interim answers stay between gateway and upstream
            if (status.code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                listener.responseFailed("switching_protocols", "upstream switched protocols");
            }
            return false;
        }
        keepAlive = HttpUtil.isKeepAlive(response); // (read before the rewrite takes Connection away)
        listener.responseStarted(status.code());
        boolean bodyAllowed = status.code() != 204 && status.code() != 304;
        if (!ForwardedHeaders.toClient(response, ex.clientSpeaks11(), bodyAllowed)) {
            ex.closeAfterResponse(); // an HTTP/1.0 client learns where the body ends by the close
        }
        listener.responseHead(response);
        return true;
    }

    /** The upstream's read is over: what it produced goes out in one flush. */
    void flush() {
        client.flush();
    }

    /** The client's socket filled or drained: the upstream is read only while the client can take more. */
    void clientWritabilityChanged(boolean writable, Channel upstream) {
        upstream.config().setAutoRead(writable);
    }

    /** Lets go of anything held for the response (the call ended without finishing it). */
    void release() {
        if (check != null) {
            check.release();
            check = null;
        }
        if (heldHead != null) {
            ReferenceCountUtil.release(heldHead);
            heldHead = null;
        }
    }
}
