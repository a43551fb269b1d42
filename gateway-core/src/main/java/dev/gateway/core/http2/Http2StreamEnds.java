package dev.gateway.core.http2;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
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
            // After the codec has closed the stream (it does once this event returns): the close then sends
            // no RST_STREAM of its own, which must not answer one (RFC 9113 §5.4.2).
            ctx.executor().execute(() -> ctx.close());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * A stream error the codec found (a length that does not match the body, a bad window update): the
     * multiplexer closes the stream right after this with the error's own code (PROTOCOL_ERROR, say); a
     * close from the handlers after this one would get in first with CANCEL. So the error stops here.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception) {
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (((Http2StreamChannel) ctx.channel()).stream().state() == Http2Stream.State.HALF_CLOSED_LOCAL) {
            ctx.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
        ctx.close(promise);
    }
}
