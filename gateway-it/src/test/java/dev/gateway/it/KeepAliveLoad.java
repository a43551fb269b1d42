package dev.gateway.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many keep-alive HTTP/1.1 connections held at once by one small Netty client on two threads. Every
 * connection sends one request, waits for its answer and holds on until all connections have had
 * theirs ({@link #openAll}); then each sends the rest of its requests one after another on the same
 * connection ({@link #finish}). Each answer is handed to a check; a connection that the server closes,
 * a failed connect or an exception counts as an error too.
 */
final class KeepAliveLoad implements AutoCloseable {
    /** Judges one response: {@code null} when it is good, else what is wrong with it. */
    interface Check {
        String problem(FullHttpResponse response);
    }

    private static final int MAX_SAMPLES = 20;
    private static final Object GO = new Object();

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("keep-alive-load", true),
                    NioIoHandler.newFactory());
    private final int port;
    private final int connections;
    private final int requestsPerConnection;
    private final String path;
    private final Map<String, String> headers;
    private final Check check;
    private final List<Channel> channels = new ArrayList<>();
    private final CountDownLatch firstAnswers;
    private final CountDownLatch finished;
    private final AtomicLong good = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger connected = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();

    KeepAliveLoad(int port, int connections, int requestsPerConnection, String path, Map<String, String> headers,
            Check check) {
        this.port = port;
        this.connections = connections;
        this.requestsPerConnection = requestsPerConnection;
        this.path = path;
        this.headers = headers;
        this.check = check;
        this.firstAnswers = new CountDownLatch(connections);
        this.finished = new CountDownLatch(connections);
    }

    /**
     * Opens every connection at once; each sends its first request. Returns when every connection has
     * its first answer (or has failed); fails if that takes longer than {@code within}.
     */
    void openAll(Duration within) throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                new Connection());
                    }
                });
        for (int i = 0; i < connections; i++) {
            ChannelFuture f = b.connect("127.0.0.1", port);
            channels.add(f.channel());
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    connectFailed(done.cause());
                }
            });
        }
        if (!firstAnswers.await(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("not every connection had its first answer within " + within + ": "
                    + (connections - firstAnswers.getCount()) + " of " + connections + " did, "
                    + connected.get() + " connected; " + this);
        }
    }

    /** Each connection sends its remaining requests; returns when all are answered, failing after {@code within}. */
    void finish(Duration within) throws InterruptedException {
        for (Channel ch : channels) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(GO));
        }
        if (!finished.await(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("not every connection was done within " + within + ": "
                    + (connections - finished.getCount()) + " of " + connections + " were; " + this);
        }
    }

    /** A connection that never opened: an error, and nothing to wait for from it. */
    private void connectFailed(Throwable cause) {
        errors.incrementAndGet();
        if (samples.size() < MAX_SAMPLES) {
            samples.add("connect failed: " + cause);
        }
        firstAnswers.countDown();
        finished.countDown();
    }

    /** Connections whose connect succeeded. */
    int connected() {
        return connected.get();
    }

    /** Responses that passed the check. */
    long good() {
        return good.get();
    }

    /** Bad responses, failed connects, connections closed early, exceptions. */
    long errors() {
        return errors.get();
    }

    /** The first few errors, described. */
    List<String> errorSamples() {
        return List.copyOf(samples);
    }

    @Override
    public String toString() {
        return good.get() + " good responses, " + errors.get() + " errors " + samples;
    }

    /** Closes every connection and stops the client's threads. */
    @Override
    public void close() {
        for (Channel ch : channels) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** One connection's state, only ever touched on its event loop. */
    private final class Connection extends SimpleChannelInboundHandler<FullHttpResponse> {
        private int sent;
        private int answered;
        private boolean released;
        private boolean firstCounted;
        private boolean done;
        private Channel channel;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            connected.incrementAndGet();
            send(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (done) {
                return;
            }
            answered++;
            if (answered > sent) {
                fail("an answer to no request: " + response.status());
                return;
            }
            String problem = check.problem(response);
            if (problem != null) {
                fail("answer " + answered + ": " + problem);
                return;
            }
            good.incrementAndGet();
            if (answered == 1) {
                countFirst();
            }
            if (answered == requestsPerConnection) {
                done = true;
                finished.countDown();
            } else if (released) {
                send(ctx);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt != GO) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            released = true;
            if (!done && answered == sent && sent < requestsPerConnection) {
                send(ctx);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail("connection closed by the server after " + answered + " answers");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause.toString());
        }

        private void send(ChannelHandlerContext ctx) {
            DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
            r.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + port);
            headers.forEach(r.headers()::set);
            sent++;
            ctx.writeAndFlush(r).addListener(w -> {
                if (!w.isSuccess()) {
                    fail("write failed: " + w.cause());
                }
            });
        }

        private void countFirst() {
            if (!firstCounted) {
                firstCounted = true;
                firstAnswers.countDown();
            }
        }

        /** Counts an error once per connection and lets every wait go on without it. */
        void fail(String why) {
            if (done) {
                return;
            }
            done = true;
            errors.incrementAndGet();
            if (samples.size() < MAX_SAMPLES) {
                samples.add(why);
            }
            countFirst();
            finished.countDown();
            if (channel != null) {
                channel.close();
            }
        }
    }
}
