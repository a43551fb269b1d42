package dev.gateway.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A burst of new connections is accepted in one loop turn, not one connection per turn (Netty's epoll
 * listener by default): on a busy gateway a turn lasts tens of milliseconds, and 1,024 clients connecting
 * at once waited seconds in the kernel's queue.
 */
class TransportTest {
    private static final int BURST = 100;

    @Test
    void aBurstOfConnectionsIsAcceptedInOneLoopTurn() throws Exception {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1, new DefaultThreadFactory("transport-test", true));
        AtomicInteger accepted = new AtomicInteger();
        CompletableFuture<Integer> inFirstTurn = new CompletableFuture<>();
        List<Socket> clients = new ArrayList<>();
        try {
            Channel listener = transport.listenerOptions(new ServerBootstrap())
                    .group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (accepted.incrementAndGet() == 1) {
                                // Runs after this turn's I/O: what was accepted by then came in one turn.
                                ch.eventLoop().execute(() -> inFirstTurn.complete(accepted.get()));
                            }
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            // Hold the loop while the burst connects: the kernel completes every handshake and queues it.
            CountDownLatch release = new CountDownLatch(1);
            listener.eventLoop().execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < BURST; i++) {
                clients.add(new Socket("127.0.0.1", port));
            }
            release.countDown();
            assertEquals(BURST, inFirstTurn.get(10, TimeUnit.SECONDS));
            listener.close().sync();
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertTrue(accepted.get() >= BURST);
    }
}
