package dev.gateway.core.http2;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * How one stream's channel ends, beyond the stream simply completing:
 * <ul>
 * <li>the client resets the stream (RST_STREAM): the channel closes at once, which ends its exchange and
 *     cuts its trip upstream, even when the exchange had paused reading and frames wait unread (the
 *     multiplexer would otherwise close the channel only once they were read);
 * <li>the gateway closes a stream whose response it has sent whole while the request is still arriving
 *     (an early answer): RST_STREAM NO_ERROR, which asks the client to stop sending without making the
 *     answer an error (RFC 9113 §8.1), rather than the CANCEL a plain close sends.
 * </ul>
 * First in a stream's pipeline. Event-loop only.
 */
public final class Http2StreamEnds extends ChannelDuplexHandler {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (((Http2StreamChannel) ctx.channel()).stream().state() == Http2Stream.State.HALF_CLOSED_LOCAL) {
            ctx.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
        ctx.close(promise);
    }
}
