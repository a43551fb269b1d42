package dev.gateway.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Netty upstream that misbehaves on request: slow, silent, resetting, half-closing, talking garbage,
 * answering twice, dropping reused keep-alive connections, or simply down. Every answer is written as raw
 * bytes below the HTTP encoder, so what reaches the gateway is exactly what the fault calls for.
 */
final class FaultyUpstream implements AutoCloseable {
    enum Kind {
        /** 200 {@code {"ok":true,"uri":...}} with Content-Length, keep-alive. */
        ANSWER,
        /** As ANSWER, after {@link Behaviour#delay()} (scheduled on the upstream's event loop). */
        ANSWER_AFTER,
        /** Reads the request and never answers. */
        SILENT,
        /**
         * Writes the head (Content-Length: 1000) and {@link #PARTIAL_BODY}, then resets the connection
         * (SO_LINGER 0 + close): after {@link Behaviour#delay()}, or when {@link #resetHeld()} is called
         * if there is no delay.
         */
        RESET_MID_RESPONSE,
        /** Reads the request and shuts its output down without answering. */
        HALF_CLOSE,
        /** Answers bytes that are not HTTP. */
        GARBAGE,
        /** Writes two complete 200 responses for the one request. */
        ANSWER_TWICE,
        /** Answers the first request of a connection; closes the connection when a second arrives on it. */
        CLOSE_ON_REUSE,
        /** 503 with {@link #BODY_503}, {@code Retry-After: 7} and {@code X-Upstream: faulty}. */
        STATUS_503
    }

    record Behaviour(Kind kind, Duration delay) {
    }

    static final Behaviour ANSWER = new Behaviour(Kind.ANSWER, null);
    static final Behaviour SILENT = new Behaviour(Kind.SILENT, null);
    static final Behaviour RESET_MID_RESPONSE = new Behaviour(Kind.RESET_MID_RESPONSE, null);
    static final Behaviour HALF_CLOSE = new Behaviour(Kind.HALF_CLOSE, null);
    static final Behaviour GARBAGE = new Behaviour(Kind.GARBAGE, null);
    static final Behaviour ANSWER_TWICE = new Behaviour(Kind.ANSWER_TWICE, null);
    static final Behaviour CLOSE_ON_REUSE = new Behaviour(Kind.CLOSE_ON_REUSE, null);
    static final Behaviour STATUS_503 = new Behaviour(Kind.STATUS_503, null);

    static Behaviour answerAfter(Duration delay) {
        return new Behaviour(Kind.ANSWER_AFTER, delay);
    }

    /** Resets on its own, {@code delay} after the partial response was written. */
    static Behaviour resetMidResponseAfter(Duration delay) {
        return new Behaviour(Kind.RESET_MID_RESPONSE, delay);
    }

    static final String BODY_503 = "{\"upstream\":\"overloaded\"}";
    /** What RESET_MID_RESPONSE sends of its announced 1000 bytes. */
    static final String PARTIAL_BODY = "{\"ok\":true,\"pad\":\"" + "x".repeat(300);


    /** Every request that reached this upstream, in order (health probes send none). */
    final BlockingQueue<TestUpstream.Recorded> received = new LinkedBlockingQueue<>();
    /** Connections accepted, health probes included. */
    final AtomicInteger connections = new AtomicInteger();
    volatile Behaviour behaviour = ANSWER;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup children = new DefaultChannelGroup("faulty-children", GlobalEventExecutor.INSTANCE);
    /** Connections holding a partial response until {@link #resetHeld()}. */
    private final Set<Channel> held = ConcurrentHashMap.newKeySet();
    private final ServerBootstrap bootstrap;
    private final int port;
    private volatile Channel server;

    FaultyUpstream() throws InterruptedException {
        bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        children.add(ch);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 << 20),
                                new Handler());
                    }
                });
        server = bootstrap.bind("127.0.0.1", 0).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    int port() {
        return port;
    }

    String endpoint() {
        return "127.0.0.1:" + port;
    }

    /** Stops listening and closes every open connection: the port refuses until {@link #restart()}. */
    void stop() {
        server.close().syncUninterruptibly();
        children.close().syncUninterruptibly();
        held.clear();
        awaitRefusing();
    }

    /**
     * NIO closes a listening socket registered with a selector only at its loop's next select: until then
     * the kernel still completes handshakes, and a gateway connecting in that moment would be reset after
     * sending its request, not refused. So stop() returns once a connect is actually refused.
     */
    private void awaitRefusing() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            } catch (ConnectException refused) {
                return;
            } catch (IOException e) {
                // timed out or reset: not refused yet
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("port " + port + " still accepts connections after stop()");
            }
            Thread.onSpinWait();
        }
    }

    /** Whether the port is listening (not {@link #stop() stopped}). */
    boolean running() {
        return server.isActive();
    }

    /** Listens again on the same port. */
    void restart() throws InterruptedException {
        server = bootstrap.bind("127.0.0.1", port).sync().channel();
    }

    /** Resets every connection that RESET_MID_RESPONSE (without delay) left holding a partial response. */
    void resetHeld() {
        for (Channel ch : held) {
            held.remove(ch);
            ch.eventLoop().execute(() -> reset(ch));
        }
    }

    private static void reset(Channel ch) {
        if (ch.isOpen()) {
            ch.config().setOption(ChannelOption.SO_LINGER, 0); // close() now sends RST instead of FIN
            ch.close();
        }
    }

    private static String ok(String uri) {
        return "{\"ok\":true,\"uri\":\"" + uri + "\"}";
    }

    private static String response(String status, String body, String extraHeaders) {
        return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" + extraHeaders
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private int requestsOnThisConnection;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            TestUpstream.Recorded r = TestUpstream.Recorded.takeFrom((FullHttpRequest) msg);
            requestsOnThisConnection++;
            received.add(r);
            Behaviour b = behaviour;
            String answer = response("200 OK", ok(r.uri()), "");
            switch (b.kind()) {
                case ANSWER -> raw(ctx, answer);
                case ANSWER_AFTER -> ctx.executor().schedule(() -> raw(ctx, answer),
                        b.delay().toNanos(), TimeUnit.NANOSECONDS);
                case SILENT -> {
                }
                case RESET_MID_RESPONSE -> {
                    if (b.delay() == null) {
                        // Held before the bytes leave: a test may call resetHeld() as soon as the head arrives.
                        held.add(ctx.channel());
                        ctx.channel().closeFuture().addListener(f -> held.remove(ctx.channel()));
                    } else {
                        ctx.executor().schedule(() -> reset(ctx.channel()), b.delay().toNanos(), TimeUnit.NANOSECONDS);
                    }
                    raw(ctx, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                            + PARTIAL_BODY);
                }
                case HALF_CLOSE -> ((DuplexChannel) ctx.channel()).shutdownOutput();
                case GARBAGE -> raw(ctx, "SSH-2.0-OpenSSH_9.6\r\n\u0000\u0001garbage\r\n\r\n");
                case ANSWER_TWICE -> raw(ctx, answer + response("200 OK", "{\"ok\":\"again\"}", ""));
                case CLOSE_ON_REUSE -> {
                    if (requestsOnThisConnection == 1) {
                        raw(ctx, answer);
                    } else {
                        ctx.close();
                    }
                }
                case STATUS_503 -> raw(ctx, response("503 Service Unavailable", BODY_503,
                        "Retry-After: 7\r\nX-Upstream: faulty\r\n"));
                default -> throw new AssertionError(b);
            }
        }

        /** Written below the HTTP encoder, which would refuse raw bytes (and a second response). */
        private void raw(ChannelHandlerContext ctx, String text) {
            ChannelHandlerContext codec = ctx.pipeline().context(HttpServerCodec.class);
            if (codec != null && ctx.channel().isActive()) { // a delayed answer may find the gateway gone
                codec.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // resets by the gateway are expected here; the gateway's view is what tests check
        }
    }

    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /**
     * A port that is slow to accept: a listening socket with a backlog of 1 that never accepts, its accept
     * queue filled with idle connections. Linux then drops further SYNs, so connecting there times out
     * rather than being refused.
     */
    static BlackHole slowToAccept() throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        List<Socket> fillers = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), 200);
                    fillers.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return new BlackHole(server, fillers);
                }
            }
        } catch (IOException | RuntimeException e) {
            new BlackHole(server, fillers).close();
            throw e;
        }
        new BlackHole(server, fillers).close();
        throw new IllegalStateException("the accept queue never filled: connects would not time out here");
    }

    record BlackHole(ServerSocket server, List<Socket> fillers) implements AutoCloseable {
        int port() {
            return server.getLocalPort();
        }

        String endpoint() {
            return "127.0.0.1:" + port();
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) {
                s.close();
            }
            server.close();
        }
    }
}
