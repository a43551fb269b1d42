package dev.gateway.core.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A raw HTTP/1.1 upstream on loopback, on its own event loop: it records every byte per connection and
 * lets the test say what to answer, and when, through a {@link Script} run on each read.
 */
final class LoopbackUpstream implements AutoCloseable {
    static final String OK = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

    /** What to do after a read on a connection; runs on the upstream's loop. */
    interface Script {
        void onRead(Conn c);
    }

    /** Answers every whole request with {@link #OK}, keeping the connection. */
    static final Script ANSWER_EACH = c -> {
        while (c.answered < c.requests()) {
            c.answered++;
            c.send(OK);
        }
    };

    /** Never answers. */
    static final Script SILENT = c -> { };

    /** One accepted connection. */
    static final class Conn {
        final Channel channel;
        private final StringBuilder received = new StringBuilder();
        /** For scripts: requests answered so far. */
        int answered;

        Conn(Channel channel) {
            this.channel = channel;
        }

        synchronized String received() {
            return received.toString();
        }

        private synchronized void add(String s) {
            received.append(s);
        }

        /** Whether a request head has been read whole. */
        boolean headReceived() {
            return received().contains("\r\n\r\n");
        }

        /** Whole requests read so far (framed by Content-Length or chunked). */
        int requests() {
            String s = received();
            int n = 0;
            int at = 0;
            while (true) {
                int headEnd = s.indexOf("\r\n\r\n", at);
                if (headEnd < 0) {
                    return n;
                }
                String head = s.substring(at, headEnd).toLowerCase(Locale.ROOT);
                int end = headEnd + 4;
                int cl = head.indexOf("\ncontent-length:");
                if (cl >= 0) {
                    int eol = head.indexOf('\r', cl + 1);
                    end += Integer.parseInt(head.substring(cl + 16, eol < 0 ? head.length() : eol).trim());
                } else if (head.contains("\ntransfer-encoding: chunked")) {
                    int last = s.indexOf("\r\n0\r\n\r\n", headEnd + 2);
                    if (last < 0) {
                        return n;
                    }
                    end = last + 7;
                }
                if (end > s.length()) {
                    return n;
                }
                n++;
                at = end;
            }
        }

        void send(String raw) {
            channel.writeAndFlush(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        }

        void close() {
            channel.close();
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    final List<Conn> conns = new CopyOnWriteArrayList<>();
    volatile Script script;

    LoopbackUpstream(Script script) throws InterruptedException {
        this.script = script;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Conn conn = new Conn(ch);
                        conns.add(conn);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf b = (ByteBuf) msg;
                                conn.add(b.toString(StandardCharsets.ISO_8859_1));
                                b.release();
                                LoopbackUpstream.this.script.onRead(conn);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // resets by the gateway are part of what is tested
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String endpoint() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
