package dev.gateway.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real Netty upstream for tests: records what reaches it, and answers well or badly on request. Made with
 * an {@link SslContext}, it speaks TLS only and records each connection's handshake.
 */
final class TestUpstream implements AutoCloseable {
    enum Mode {
        /** Answers with {@link #responder}. */
        ANSWER,
        /** Answers bytes that are not HTTP. */
        GARBAGE,
        /** Closes the connection as soon as a request arrives. */
        CLOSE,
        /** Reads the request and never answers. */
        SILENT,
        /** Answers with {@link #responder}, then closes the connection without a word. */
        ANSWER_THEN_CLOSE
    }

    record Recorded(String method, String uri, HttpHeaders headers, byte[] body) {
        /** A copy of what arrived, which then releases it. */
        static Recorded takeFrom(FullHttpRequest req) {
            try {
                return new Recorded(req.method().name(), req.uri(), new DefaultHttpHeaders().set(req.headers()),
                        ByteBufUtil.getBytes(req.content()));
            } finally {
                ReferenceCountUtil.release(req);
            }
        }
    }

    /**
     * One TLS connection's handshake as this upstream saw it.
     *
     * @param sni the SNI host name the client sent, {@code ""} when it sent none
     * @param protocol the TLS version negotiated, {@code null} when the handshake failed
     */
    record Handshake(String sni, String protocol) {
    }

    final BlockingQueue<Recorded> received = new LinkedBlockingQueue<>();
    /** With TLS: every connection's handshake, in the order they ended. */
    final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();
    final AtomicInteger connections = new AtomicInteger();
    volatile Mode mode = Mode.ANSWER;
    volatile Function<Recorded, FullHttpResponse> responder = r -> json(HttpResponseStatus.OK, "{\"ok\":true}");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    TestUpstream() throws InterruptedException {
        this(null);
    }

    /** @param tls the server's context: every connection must be TLS; {@code null}: cleartext */
    TestUpstream(SslContext tls) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        if (tls != null) {
                            // Asked for the context with the client's SNI name (null without one).
                            ch.pipeline().addLast(new SniHandler((String sni) -> tls), new HandshakeRecorder());
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 << 20),
                                new Handler());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    /** Notes the SNI name and then the handshake's outcome; passes everything else on. */
    private final class HandshakeRecorder extends ChannelInboundHandlerAdapter {
        private String sni = "";

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent) {
                String name = ((SniCompletionEvent) evt).hostname();
                sni = name == null ? "" : name;
            } else if (evt instanceof SslHandshakeCompletionEvent) {
                handshakes.add(new Handshake(sni, ((SslHandshakeCompletionEvent) evt).isSuccess()
                        ? ctx.pipeline().get(SslHandler.class).engine().getSession().getProtocol() : null));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a handshake the client broke off: recorded above
        }
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String endpoint() {
        return "127.0.0.1:" + port();
    }

    static FullHttpResponse json(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set("content-type", "application/json").setInt("content-length", r.content().readableBytes());
        return r;
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Recorded r = Recorded.takeFrom((FullHttpRequest) msg);
            received.add(r);
            switch (mode) {
                case ANSWER:
                    ctx.writeAndFlush(responder.apply(r));
                    break;
                case ANSWER_THEN_CLOSE:
                    ctx.writeAndFlush(responder.apply(r)).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                    break;
                case GARBAGE:
                    // Written below the HTTP encoder, which would refuse raw bytes.
                    ctx.pipeline().context(HttpServerCodec.class).writeAndFlush(
                            Unpooled.copiedBuffer("SSH-2.0-OpenSSH\r\n\r\n", StandardCharsets.US_ASCII));
                    break;
                case CLOSE:
                    ctx.close();
                    break;
                default:
                    break;
            }
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
