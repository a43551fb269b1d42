package dev.gateway.core.http2;

import dev.gateway.core.exchange.ClientTimeout;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Tells HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3) from HTTP/1.1 on a cleartext connection by its
 * first bytes: the HTTP/2 connection preface ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) or anything else.
 * It decides at the first byte that differs from the preface (for an HTTP/1.1 request, the first byte),
 * has the chosen protocol's handlers added after itself, then leaves, handing them the bytes read so far.
 * A connection that goes quiet part-way through the preface is closed when the headers clock runs out.
 */
public final class Http2PrefaceDetector extends ByteToMessageDecoder {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Consumer<ChannelHandlerContext> http1;
    private final Consumer<ChannelHandlerContext> http2;

    /**
     * @param http1 adds the HTTP/1.1 handlers after this one
     * @param http2 adds the HTTP/2 handlers after this one; the preface is left for them to read
     */
    public Http2PrefaceDetector(Consumer<ChannelHandlerContext> http1, Consumer<ChannelHandlerContext> http2) {
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.length);
        boolean preface = true;
        for (int i = 0; i < n && preface; i++) {
            preface = in.getByte(in.readerIndex() + i) == PREFACE[i];
        }
        if (preface && n < PREFACE.length) {
            return; // so far the preface: wait for the rest
        }
        (preface ? http2 : http1).accept(ctx);
        ctx.pipeline().remove(this); // passes on what was read, unread
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ClientTimeout) {
            ctx.close(); // no protocol yet, so no one to answer
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
