package dev.gateway.core.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/** Native epoll where the platform has it, NIO everywhere else. */
public enum Transport {
    EPOLL(EpollServerSocketChannel.class, EpollSocketChannel.class),
    NIO(NioServerSocketChannel.class, NioSocketChannel.class);

    private final Class<? extends ServerSocketChannel> serverChannel;
    private final Class<? extends SocketChannel> channel;

    Transport(Class<? extends ServerSocketChannel> serverChannel, Class<? extends SocketChannel> channel) {
        this.serverChannel = serverChannel;
        this.channel = channel;
    }

    /** Epoll unless it is unavailable or {@code -Dgateway.transport=nio} asks otherwise. */
    public static Transport best() {
        if ("nio".equalsIgnoreCase(System.getProperty("gateway.transport"))) {
            return NIO;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        IoHandlerFactory io = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, io);
    }

    /**
     * Connections accepted per loop turn at most: a burst of new ones is taken in a few turns, while
     * the connections already open are still served between them.
     */
    private static final int ACCEPTS_PER_LOOP_TURN = 256;

    /**
     * Options of a listening channel that takes client connections on a busy loop. Netty's epoll
     * listener stops accepting after one connection per loop turn (it asks whether more may be waiting
     * by comparing the accepted descriptor with the one byte it "attempted"), and a loop turn on a busy
     * gateway lasts tens of milliseconds: 1,024 clients connecting at once waited up to 10 s in the
     * kernel's accept queue while the loop served the connections it had (README, "Performance").
     * Here the listener accepts until the queue is empty or {@link #ACCEPTS_PER_LOOP_TURN} were taken,
     * and, level-triggered, is read again on the next turn while connections still wait.
     *
     * @return {@code b}, for chaining
     */
    public ServerBootstrap listenerOptions(ServerBootstrap b) {
        b.option(ChannelOption.RCVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator()
                .respectMaybeMoreData(false).maxMessagesPerRead(ACCEPTS_PER_LOOP_TURN));
        return this == EPOLL ? b.option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED) : b;
    }

    public Class<? extends ServerSocketChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends SocketChannel> channel() {
        return channel;
    }
}
