package dev.gateway.core.http2;

import dev.gateway.core.exchange.ClientTimeout;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.function.Consumer;

/**
 * Chooses a TLS connection's protocol by ALPN (RFC 7301) once the handshake is done: {@code h2}, or
 * HTTP/1.1 when the client offered nothing else or no ALPN at all. It then has that protocol's handlers
 * added after itself and leaves. A failed handshake closes the connection quietly (it is counted by the
 * TLS series), as does a handshake the headers clock ran out on.
 */
public final class AlpnSelector extends ApplicationProtocolNegotiationHandler {
    private final Consumer<ChannelHandlerContext> http1;
    private final Consumer<ChannelHandlerContext> http2;

    /**
     * @param http1 adds the HTTP/1.1 handlers after this one
     * @param http2 adds the HTTP/2 handlers after this one
     */
    public AlpnSelector(Consumer<ChannelHandlerContext> http1, Consumer<ChannelHandlerContext> http2) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        (ApplicationProtocolNames.HTTP_2.equals(protocol) ? http2 : http1).accept(ctx);
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ClientTimeout) {
            ctx.close(); // the handshake took the whole headers clock; no protocol, so no one to answer
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // undecryptable bytes, a reset: nothing to answer
    }
}
