package dev.gateway.core.http2;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2PriorityFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2UnknownFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Ends a connection that sends more control frames than any client needs: PING and SETTINGS, each of
 * which the gateway must answer (the PING and SETTINGS floods of CVE-2019-9512 and CVE-2019-9515), and
 * PRIORITY and unknown frames on open streams (the codec drops those for other streams without a word,
 * at no more cost than reading them). Over {@link #MAX_CONTROL_FRAMES_PER_SECOND} in one second the
 * connection gets GOAWAY ENHANCE_YOUR_CALM and is closed. The frame decoder bounds the rest itself (see
 * {@link Http2Handlers}). Sits after the frame codec, on the connection. Event-loop only.
 */
final class Http2FloodGuard extends ChannelInboundHandlerAdapter {
    /** Control frames a connection may send in one second. */
    static final int MAX_CONTROL_FRAMES_PER_SECOND = 200;
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Http2ConnectionHandler codec;
    private final Runnable onFlood;
    private long windowStartNanos;
    private int framesInWindow;
    private boolean flooded;

    /**
     * @param codec the connection's frame codec, which sends the GOAWAY
     * @param onFlood told once per connection that ends here (a counter)
     */
    Http2FloodGuard(Http2ConnectionHandler codec, Runnable onFlood) {
        this.codec = codec;
        this.onFlood = onFlood;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        boolean control = (msg instanceof Http2PingFrame && !((Http2PingFrame) msg).ack())
                || msg instanceof Http2SettingsFrame || msg instanceof Http2PriorityFrame
                || msg instanceof Http2UnknownFrame;
        if (!control) {
            ctx.fireChannelRead(msg);
            return;
        }
        long now = System.nanoTime();
        if (now - windowStartNanos >= SECOND_NANOS) {
            windowStartNanos = now;
            framesInWindow = 0;
        }
        if (++framesInWindow <= MAX_CONTROL_FRAMES_PER_SECOND) {
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(msg);
        if (!flooded) {
            flooded = true;
            onFlood.run();
            ChannelHandlerContext codecContext = ctx.pipeline().context(codec);
            codec.goAway(codecContext, codec.connection().remote().lastStreamCreated(),
                    Http2Error.ENHANCE_YOUR_CALM.code(), Unpooled.EMPTY_BUFFER, codecContext.newPromise())
                    .addListener(f -> codecContext.close()); // at once: no grace for the streams of a flood
            codecContext.flush();
        }
    }
}
