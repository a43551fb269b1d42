package dev.gateway.core.server;

import dev.gateway.core.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The warm-up's upstream: answers every request on loopback with one fixed, contract-valid trade (200 to
 * a read, 201 to a write), as bytes written once at start. So the warm-up's CPU goes to the gateway's
 * request path, not to an upstream building answers.
 */
final class WarmUpStub implements AutoCloseable {
    private static final String TRADE = "{\"tradeId\":\"trd_abcdefghij0123456789\",\"clientOrderId\":\"ord-warmup\","
            + "\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,"
            + "\"filledQuantity\":0,\"limitPrice\":189.25,\"stopPrice\":null,\"averageFillPrice\":null,"
            + "\"timeInForce\":\"DAY\",\"status\":\"NEW\",\"rejectReason\":null,\"createdAt\":\"2026-01-02T09:30:00.000Z\","
            + "\"updatedAt\":\"2026-01-02T09:30:00.000Z\"}";
    private static final ByteBuf OK = response("200 OK");
    private static final ByteBuf CREATED = response("201 Created");

    private final EventLoopGroup group;
    private final Channel server;

    WarmUpStub(Transport transport) throws InterruptedException {
        group = transport.newGroup(1, new DefaultThreadFactory("gateway-warmup-stub", true));
        try {
            server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpRequestDecoder(), new Answer()); // answers are raw bytes
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static ByteBuf response(String status) {
        byte[] body = TRADE.getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 " + status + "\r\ncontent-type: application/json\r\ncontent-length: " + body.length
                + "\r\n\r\n";
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body)
                .asReadOnly());
    }

    /** Answers at the end of each request; the bytes are shared, so each write is a duplicate. */
    private static final class Answer extends SimpleChannelInboundHandler<HttpObject> {
        private boolean write;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest) {
                HttpMethod m = ((HttpRequest) msg).method();
                write = !m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD);
            }
            if (msg instanceof LastHttpContent) {
                ctx.writeAndFlush((write ? CREATED : OK).duplicate());
            }
        }
    }
}
