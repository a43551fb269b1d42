package dev.gateway.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stand-ins for the trade and task services: every operation of the contract answered with
 * schema-valid bodies, a task event stream, and artifact upload/download that really hash and stream
 * the bytes. They serve the default {@code java -jar gateway.jar}, the tests, the benchmarks, and run
 * as their own process ({@code java -jar gateway.jar demo-upstreams}) for load tests.
 *
 * <p>They run on their own event loop thread. Artifacts are written to temporary files from that
 * thread; that blocking is the demo's alone and never touches the gateway's loops.
 */
public final class DemoUpstreams implements AutoCloseable {
    /** How often the task event stream sends progress. */
    public static final long EVENT_INTERVAL_MILLIS = 200;
    /** The largest request head the demo services read (bytes): more than the gateway forwards. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final EventLoopGroup group;
    private final ArtifactStore artifacts;
    private final Service trade;
    private final Service task;

    private DemoUpstreams(String host, int tradePort, int taskPort) throws InterruptedException {
        // As the gateway chooses: native epoll unless it is unavailable or -Dgateway.transport=nio.
        boolean epoll = !"nio".equalsIgnoreCase(System.getProperty("gateway.transport")) && Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("demo-upstream", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerSocketChannel> serverChannel = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        try {
            this.artifacts = new ArtifactStore();
        } catch (IOException e) {
            group.shutdownGracefully();
            throw new IllegalStateException("cannot create the demo artifact directory", e);
        }
        this.trade = new Service("trade", serverChannel, host, tradePort);
        this.task = new Service("task", serverChannel, host, taskPort);
    }

    /** Starts both services; port 0 picks a free port. */
    public static DemoUpstreams start(String host, int tradePort, int taskPort) throws InterruptedException {
        return new DemoUpstreams(host, tradePort, taskPort);
    }

    /** The port of the demo service of that name ({@code trade}, {@code task}), or -1. */
    public int portOf(String name) {
        switch (name) {
            case "trade":
                return trade.port();
            case "task":
                return task.port();
            default:
                return -1;
        }
    }

    /** Connections to the service of that name that carried at least one request (probes do not count). */
    public int connectionsUsed(String name) {
        return name.equals("trade") ? trade.connections.get() : task.connections.get();
    }

    /** Task events sent on event streams so far. */
    public long eventsSent() {
        return TaskApi.EVENTS_SENT.get();
    }

    /** Artifact bytes sent to clients so far (download progress). */
    public long artifactBytesSent() {
        return artifacts.bytesSent();
    }

    @Override
    public void close() {
        trade.channel.close().awaitUninterruptibly();
        task.channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        artifacts.close();
    }

    private final class Service {
        final AtomicInteger connections = new AtomicInteger();
        final AtomicLong requests = new AtomicLong();
        final Channel channel;

        Service(String name, Class<? extends ServerSocketChannel> serverChannel, String host, int port)
                throws InterruptedException {
            DemoApi api = name.equals("trade") ? new TradeApi() : new TaskApi(artifacts);
            this.channel = new ServerBootstrap()
                    .group(group)
                    .channel(serverChannel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            // Heads as large as the gateway forwards (its client.maxHeaderBytes is 32 KiB).
                            ch.pipeline().addLast(new HttpServerCodec(new HttpDecoderConfig()
                                    .setMaxHeaderSize(MAX_HEADER_BYTES)), new ChunkedWriteHandler(),
                                    new DemoHandler(api, requests, connections));
                        }
                    })
                    .bind(host, port).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }
    }
}
