package dev.gateway.core.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ByteProcessor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client's clocks: keep-alive idle, headers (first byte to end of headers) and body idle. Sits in
 * front of the decoder so it sees the first raw byte of a request. Like Netty's IdleStateHandler it
 * keeps one scheduled check per connection and moves deadlines by writing fields, so a request costs
 * no scheduling.
 *
 * <p>On an HTTP/2 connection ({@link #multiplexed()}) bytes start no request: its exchanges run on
 * streams, each with clocks of its own, and {@link Http2ConnectionClock} tells this one when the
 * connection has streams open (no clock) and when none (keep-alive idle). A stream's clocks sit after the
 * frame decoding, so body reads are {@link HttpContent}s there.
 */
public final class ConnectionTimeouts extends ChannelInboundHandlerAdapter {
    private enum Phase { IDLE, HEADERS, BODY, WAITING }

    private final long keepAliveNanos;
    private final long headersNanos;
    private final long bodyIdleNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> check;
    /** When the scheduled check runs; a phase whose deadline comes sooner moves it forward. */
    private long checkAtNanos;
    private Phase phase = Phase.IDLE;
    private long phaseStartNanos;
    private long lastReadNanos;
    /**
     * When the first bytes of the next request were read (0: none yet): the start of its latency, so that
     * time spent before the decoder reached it (behind other connections' work in the same loop turn, or
     * behind the request before it on this connection) shows in the gateway's own figures.
     */
    private long nextRequestNanos;
    /** HTTP/2: bytes are frames of any stream, or none, and start no request. */
    private boolean multiplexed;

    /**
     * @param keepAliveNanos how long an idle keep-alive connection is kept (ns): then closed quietly
     * @param headersNanos from a request's first byte to the end of its head (ns): then 408
     * @param bodyIdleNanos the longest gap between body bytes while the gateway reads (ns): then 408
     */
    public ConnectionTimeouts(long keepAliveNanos, long headersNanos, long bodyIdleNanos) {
        this.keepAliveNanos = keepAliveNanos;
        this.headersNanos = headersNanos;
        this.bodyIdleNanos = bodyIdleNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        phaseStartNanos = System.nanoTime();
        schedule(keepAliveNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (check != null) {
            check.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf && !multiplexed) {
            if (phase == Phase.IDLE && onlyLineEnds((ByteBuf) msg)) {
                // Empty lines before a request line are ignored (RFC 9112 §2.2): they start no request,
                // so neither its clock nor its latency.
                ctx.fireChannelRead(msg);
                return;
            }
            long now = System.nanoTime();
            lastReadNanos = now;
            // Between requests (idle) or after the whole request is in (waiting), what comes is the next
            // request; during a head or a body it is the current one's (or, rarely, both).
            if (nextRequestNanos == 0 && (phase == Phase.IDLE || phase == Phase.WAITING)) {
                nextRequestNanos = now;
            }
            if (phase == Phase.IDLE) {
                enter(Phase.HEADERS);
            }
        } else if (msg instanceof HttpContent) {
            lastReadNanos = System.nanoTime(); // an HTTP/2 stream's body
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * The connection turned out to speak HTTP/2. Its first stream must open within the headers clock (the
     * one its first bytes or its ClientHello started): a connection that sends only a preface, SETTINGS,
     * PINGs or a header block it never finishes is closed then. Later it is idle while no stream is open,
     * and bytes alone start no clock.
     */
    public void multiplexed() {
        multiplexed = true;
        nextRequestNanos = 0;
        if (phase != Phase.HEADERS) {
            enter(Phase.HEADERS);
        }
    }

    /**
     * Takes the start of the request whose head was just decoded: when its first bytes were read, or now
     * if that is unknown. Each read start is taken once.
     *
     * @return a {@link System#nanoTime()} value
     */
    long takeRequestStart() {
        long start = nextRequestNanos;
        nextRequestNanos = 0;
        return start != 0 ? start : System.nanoTime();
    }

    private static boolean onlyLineEnds(ByteBuf buf) {
        return buf.forEachByte(ByteProcessor.FIND_NON_CRLF) == -1;
    }

    /** The request head is decoded; its body (if any) is now on the body-idle clock. */
    void headersReceived(boolean bodyExpected) {
        enter(bodyExpected ? Phase.BODY : Phase.WAITING);
    }

    /** The whole request is in; until the response is done, the upstream's clocks rule. */
    void requestReceived() {
        enter(Phase.WAITING);
    }

    /** The exchange ended; the connection idles until the next request. */
    void exchangeEnded() {
        enter(Phase.IDLE);
    }

    private void enter(Phase next) {
        phase = next;
        long now = System.nanoTime();
        phaseStartNanos = now;
        long limit = next == Phase.HEADERS ? headersNanos : next == Phase.BODY ? bodyIdleNanos
                : next == Phase.IDLE ? keepAliveNanos : Long.MAX_VALUE;
        // Rare: the check usually already runs sooner (it is moved forward at most once per period,
        // never once per request).
        if (check != null && limit != Long.MAX_VALUE && now + limit - checkAtNanos < 0) {
            check.cancel(false);
            schedule(limit);
        }
    }

    private void schedule(long delayNanos) {
        long delay = Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(1));
        checkAtNanos = System.nanoTime() + delay;
        check = ctx.executor().schedule(this::check, delay, TimeUnit.NANOSECONDS);
    }

    private void check() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long deadline;
        ClientTimeout event;
        switch (phase) {
            case IDLE:
                deadline = phaseStartNanos + keepAliveNanos;
                event = ClientTimeout.KEEP_ALIVE;
                break;
            case HEADERS:
                deadline = phaseStartNanos + headersNanos;
                event = ClientTimeout.HEADERS;
                break;
            case BODY:
                // The gateway itself may have paused reading (upstream backpressure): not the client's fault.
                deadline = ctx.channel().config().isAutoRead()
                        ? Math.max(lastReadNanos, phaseStartNanos) + bodyIdleNanos
                        : now + bodyIdleNanos;
                event = ClientTimeout.BODY;
                break;
            default:
                deadline = now + bodyIdleNanos;
                event = null;
        }
        if (event != null && now - deadline >= 0) {
            ctx.fireUserEventTriggered(event);
            deadline = now + headersNanos; // keep checking until the connection is gone
        }
        schedule(deadline - now);
    }
}
