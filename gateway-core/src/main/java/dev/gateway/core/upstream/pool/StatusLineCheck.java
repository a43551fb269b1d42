package dev.gateway.core.upstream.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses an upstream answer that does not start like HTTP. Netty's response decoder skips an initial
 * line it cannot parse and waits for a better one, which would turn a garbage answer into a timeout;
 * the contract wants 502 at once. Checks the first bytes after each lease; costs nothing after that.
 */
final class StatusLineCheck extends ChannelInboundHandlerAdapter {
    private static final byte[] PREFIX = {'H', 'T', 'T', 'P', '/'};
    private int matched = PREFIX.length; // nothing to check until a request is sent
    private boolean received;

    /** The next bytes from the upstream begin a response. */
    void expectResponse() {
        matched = 0;
        received = false;
    }

    /** Whether any byte came from the upstream since the request was sent: then it was not a stale close. */
    boolean received() {
        return received;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
            received = true;
        }
        if (matched < PREFIX.length && msg instanceof ByteBuf) {
            ByteBuf buf = (ByteBuf) msg;
            for (int i = buf.readerIndex(); i < buf.writerIndex() && matched < PREFIX.length; i++, matched++) {
                if (buf.getByte(i) != PREFIX[matched]) {
                    ReferenceCountUtil.release(msg);
                    ctx.close(); // the leaseholder sees the close and answers 502
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }
}
