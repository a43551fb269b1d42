package dev.gateway.core.exchange;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An HTTP/2 connection's own clock and its part in the drain. Its exchanges run on streams, each with
 * the clocks of an HTTP/1.1 connection; the connection must open its first stream within
 * {@code client.headersTimeout}, and is later closed when no stream was open for
 * {@code client.keepAliveIdleTimeout}; closing sends GOAWAY (RFC 9113 §6.8). While the
 * gateway drains, the connection is closed the same way once its last stream ends.
 *
 * <p>Sits last on the connection's pipeline, where {@link ConnectionTimeouts}' events and the errors no
 * stream took arrive. Event-loop only.
 */
public final class Http2ConnectionClock extends ChannelInboundHandlerAdapter {
    private final ConnectionTimeouts timeouts;
    private final ServerState state;
    private ChannelHandlerContext ctx;
    private final Set<Channel> openStreams = new HashSet<>();

    /** @param timeouts the connection's clocks, switched to {@link ConnectionTimeouts#multiplexed()} here */
    public Http2ConnectionClock(ConnectionTimeouts timeouts, ServerState state) {
        this.timeouts = timeouts;
        this.state = state;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        timeouts.multiplexed();
    }

    /** A stream of this connection opened; the connection is not idle until it closes. */
    public void streamOpened(Channel stream) {
        if (openStreams.isEmpty()) {
            timeouts.requestReceived(); // the streams' own clocks rule now
        }
        openStreams.add(stream);
        stream.closeFuture().addListener(f -> streamClosed(stream));
    }

    private void streamClosed(Channel stream) {
        if (!openStreams.remove(stream) || !openStreams.isEmpty()) {
            return;
        }
        timeouts.exchangeEnded();
        if (state.refusingRequests()) {
            ctx.close(); // draining: GOAWAY now rather than at the final close
        }
    }

    /**
     * The connection is gone: so are its streams. A stream whose exchange had paused reading would
     * otherwise stay open until its unread frames were read, which no one would do.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (Channel stream : List.copyOf(openStreams)) {
            stream.close();
        }
        ctx.fireChannelInactive();
    }

    /**
     * Taken here so that it is not logged: a protocol error, which the frame codec answers with GOAWAY and
     * a close itself once this returns (closing first would send GOAWAY NO_ERROR in its place), or an I/O
     * error, on which the transport closes the connection.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // nothing more to do
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ClientTimeout) {
            if (openStreams.isEmpty()) {
                ctx.close(); // idle for the keep-alive time: GOAWAY and close
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
