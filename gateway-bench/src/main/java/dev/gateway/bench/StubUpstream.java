package dev.gateway.bench;

import dev.gateway.core.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The cheapest upstream Netty can be: a fixed trade body for every request, keep-alive. */
final class StubUpstream implements AutoCloseable {
    static final byte[] BODY = ("{\"tradeId\":\"trd_abcdefghij0123456789\",\"clientOrderId\":\"ord-1\","
            + "\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\","
            + "\"quantity\":100,\"filledQuantity\":40,\"limitPrice\":189.25,\"stopPrice\":null,"
            + "\"averageFillPrice\":189.1,\"timeInForce\":\"DAY\",\"status\":\"PARTIALLY_FILLED\","
            + "\"rejectReason\":null,\"createdAt\":\"2026-11-24T09:30:00.000Z\"}").getBytes(StandardCharsets.UTF_8);
    private static final ByteBuf SHARED_BODY = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(BODY));

    private final EventLoopGroup group;
    private final Channel channel;

    StubUpstream() throws InterruptedException {
        Transport transport = Transport.best();
        group = transport.newGroup(1, new DefaultThreadFactory("stub-upstream", true));
        channel = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), Answer.INSTANCE);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ChannelHandler.Sharable
    private static final class Answer extends SimpleChannelInboundHandler<HttpObject> {
        static final Answer INSTANCE = new Answer();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof LastHttpContent) {
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        SHARED_BODY.duplicate());
                r.headers().set("content-type", "application/json").setInt("content-length", BODY.length);
                ctx.writeAndFlush(r, ctx.voidPromise());
            }
        }
    }
}
