package dev.gateway.core.upstream.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a pooled upstream channel. While leased it hands every read to its listener;
 * while idle in the pool anything it reads is unsolicited, so the connection is closed.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    private final EndpointPool pool;
    private Channel channel;
    private UpstreamListener listener;
    private StatusLineCheck statusLine;
    private UpstreamCodec codec;
    long idleSinceNanos;
    /** Served a request before this lease: a close before any answer may be the upstream's idle timeout. */
    boolean reused;

    UpstreamConnection(EndpointPool pool) {
        this.pool = pool;
    }

    public Channel channel() {
        return channel;
    }

    /** Whether this lease reuses a connection that carried an earlier exchange. */
    public boolean reused() {
        return reused;
    }

    /** Hands the connection to its next user, whose request is about to be written. Event loop only. */
    public void lease(UpstreamListener listener) {
        this.listener = listener;
        statusLine.expectResponse();
    }

    /**
     * Whether the upstream sent anything during this lease. A reused connection that closes having sent
     * nothing is the keep-alive race (the upstream closed it as idle as the request went out); one that
     * sent something, even garbage or an interim 1xx, had the request.
     */
    public boolean answeredAnything() {
        return statusLine.received();
    }

    /**
     * Gives the connection back. A connection whose exchange ended cleanly (whole request sent, whole
     * response read, keep-alive, and not a byte more than the response) goes back to the pool; any other
     * is closed.
     *
     * @param reusable the leaseholder's verdict: the exchange on it ended cleanly
     */
    public void release(boolean reusable) {
        listener = null;
        pool.release(this, reusable && codec.clean());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        statusLine = ctx.pipeline().get(StatusLineCheck.class);
        codec = ctx.pipeline().get(UpstreamCodec.class);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l != null && msg instanceof HttpObject) {
            l.onUpstreamMessage((HttpObject) msg);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.closed(this);
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // reset or protocol error: channelInactive tells the listener
    }
}
