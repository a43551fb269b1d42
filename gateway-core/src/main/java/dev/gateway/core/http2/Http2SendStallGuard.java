package dev.gateway.core.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Resets the streams whose response the client's flow-control windows have held back for too long: a
 * client that advertises a zero window (for the stream or the whole connection) and never opens it would
 * otherwise hold the stream, its upstream connection and the buffered response for ever. A stream stalled
 * for the whole limit gets RST_STREAM CANCEL, which ends its exchange and its trip upstream.
 *
 * <p>One check per connection every {@code min(1 s, limit / 4)}, not one per stream or per write: a stream
 * counts as stalled from the first check that finds it with response bytes queued and no window to send
 * them in. Sits after the frame codec, on the connection. Event-loop only.
 */
final class Http2SendStallGuard extends ChannelInboundHandlerAdapter {
    private final Http2ConnectionHandler codec;
    private final long limitNanos;
    private final long periodNanos;
    private final IntConsumer onReset;
    private ChannelHandlerContext codecContext;
    private Http2Connection.PropertyKey stalledSince;
    private ScheduledFuture<?> check;

    /**
     * @param codec the connection's frame codec: its flow controller is read, and it sends the resets
     * @param limitNanos how long a stream's response may wait for a window (ns)
     * @param onReset told of each stream reset here, with the number of streams reset by that check
     */
    Http2SendStallGuard(Http2ConnectionHandler codec, long limitNanos, IntConsumer onReset) {
        this.codec = codec;
        this.limitNanos = limitNanos;
        this.periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10),
                Math.min(TimeUnit.SECONDS.toNanos(1), limitNanos / 4));
        this.onReset = onReset;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        codecContext = ctx.pipeline().context(codec);
        stalledSince = codec.connection().newKey();
        check = ctx.executor().scheduleAtFixedRate(this::check, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        check.cancel(false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        check.cancel(false);
        ctx.fireChannelInactive();
    }

    private void check() {
        Http2Connection connection = codec.connection();
        Http2RemoteFlowController flow = connection.remote().flowController();
        boolean connectionShut = flow.windowSize(connection.connectionStream()) <= 0;
        long now = System.nanoTime();
        List<Integer> stalled = new ArrayList<>(0);
        try {
            connection.forEachActiveStream(stream -> {
                boolean waiting = flow.hasFlowControlled(stream)
                        && (connectionShut || flow.windowSize(stream) <= 0);
                Long since = stream.getProperty(stalledSince);
                if (!waiting) {
                    if (since != null) {
                        stream.removeProperty(stalledSince);
                    }
                } else if (since == null) {
                    stream.setProperty(stalledSince, now);
                } else if (now - since >= limitNanos) {
                    stalled.add(stream.id());
                }
                return true;
            });
        } catch (Http2Exception e) {
            throw new IllegalStateException(e); // the visitor throws nothing
        }
        if (stalled.isEmpty()) {
            return;
        }
        onReset.accept(stalled.size()); // counted before the client can see it
        for (int id : stalled) {
            codec.resetStream(codecContext, id, Http2Error.CANCEL.code(), codecContext.newPromise());
        }
        codecContext.flush();
    }
}
