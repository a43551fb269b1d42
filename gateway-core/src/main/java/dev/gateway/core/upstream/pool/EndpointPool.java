package dev.gateway.core.upstream.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Function;

/**
 * The connections of one event loop to one endpoint. Only that loop touches it, so it needs no locks:
 * a request's upstream channel lives on the same loop as its client channel.
 *
 * <p>Idle connections are reused most-recent first (warm ones stay warm, surplus ones age out and are
 * swept) and are checked to be open before they are handed out. At the cap, requests wait in a bounded
 * queue; beyond it they are refused at once rather than queued into latency.
 *
 * <p>With TLS, a connection is handed out only once its handshake succeeded; a failed handshake (a
 * certificate not trusted or not for the name, a peer that does not speak TLS, no handshake in time) fails
 * the acquire as a failed connect does.
 */
public final class EndpointPool {
    private final EventLoop loop;
    private final InetSocketAddress address;
    private final Bootstrap bootstrap;
    private final int maxConnections;
    private final int maxWaiters;
    private final long idleTimeoutNanos;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<AcquireCallback> waiters = new ArrayDeque<>();
    private int open; // connecting + leased + idle
    private int calls; // calls on this loop to this endpoint not finished yet: what balancing compares

    /**
     * @param loop the only loop that uses this pool
     * @param address where its connections go
     * @param template the bootstrap to clone (transport, options, allocator)
     * @param maxConnections connections this pool may open at once
     * @param maxWaiters acquires that may wait for a connection to come free; beyond them
     *     {@link PoolExhaustedException}
     * @param idleTimeoutNanos idle connections older than this are closed by {@link #sweep}
     * @param maxResponseHeaderBytes the largest response head accepted (bytes)
     * @param tls makes the TLS handler that goes first in each new connection's pipeline (its handshake
     *     timeout set), or {@code null} for cleartext
     */
    public EndpointPool(EventLoop loop, InetSocketAddress address, Bootstrap template, int maxConnections,
            int maxWaiters, long idleTimeoutNanos, int maxResponseHeaderBytes,
            Function<ByteBufAllocator, SslHandler> tls) {
        this.loop = loop;
        this.address = address;
        this.maxConnections = maxConnections;
        this.maxWaiters = maxWaiters;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.bootstrap = template.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls.apply(ch.alloc()));
                }
                ch.pipeline().addLast("status-line", new StatusLineCheck());
                ch.pipeline().addLast("http", new UpstreamCodec(maxResponseHeaderBytes, 16384));
                ch.pipeline().addLast("upstream", new UpstreamConnection(EndpointPool.this));
            }
        });
    }

    /**
     * Leases a connection, reusing an idle one when there is one and {@code fresh} is not asked for (a
     * retry after a reused connection turned out closed wants a new one). Must be called on the pool's
     * loop.
     */
    public void acquire(AcquireCallback callback, boolean fresh) {
        assert loop.inEventLoop();
        UpstreamConnection c;
        while (!fresh && (c = idle.pollFirst()) != null) {
            if (c.channel().isActive()) {
                c.reused = true;
                callback.onAcquired(c);
                return;
            }
            c.channel().close(); // closed by the upstream while idle; never hand it out
        }
        if (fresh && open >= maxConnections && !idle.isEmpty()) {
            // A new connection is wanted at the cap: make room by closing the oldest idle one (its close
            // brings the count back; until then the cap is over by one).
            idle.pollLast().channel().close();
            connect(callback);
        } else if (open < maxConnections) {
            connect(callback);
        } else if (waiters.size() < maxWaiters) {
            waiters.addLast(callback);
        } else {
            callback.onAcquireFailed(PoolExhaustedException.INSTANCE);
        }
    }

    /** Withdraws a waiting acquire (its request went away or timed out). */
    public void cancel(AcquireCallback callback) {
        waiters.remove(callback);
    }

    /** A call to this endpoint begins on this loop; balancing prefers endpoints with fewer. */
    public void callStarted() {
        calls++;
    }

    public void callEnded() {
        calls--;
    }

    /** Calls to this endpoint in flight on this loop. */
    public int calls() {
        return calls;
    }

    /** Connections open now (connecting, leased or idle). */
    public int openConnections() {
        return open;
    }

    public int idleConnections() {
        return idle.size();
    }

    /** Acquires waiting for a connection to come free. */
    public int pendingAcquires() {
        return waiters.size();
    }

    private void connect(AcquireCallback callback) {
        open++;
        ChannelFuture f = bootstrap.connect(address);
        f.addListener((ChannelFuture done) -> {
            if (!done.isSuccess()) {
                open--;
                callback.onAcquireFailed(done.cause());
                serveWaiter();
                return;
            }
            UpstreamConnection c = done.channel().pipeline().get(UpstreamConnection.class);
            SslHandler tls = done.channel().pipeline().get(SslHandler.class);
            if (tls == null) {
                callback.onAcquired(c);
                return;
            }
            tls.handshakeFuture().addListener((Future<Channel> handshake) -> {
                if (handshake.isSuccess()) {
                    callback.onAcquired(c);
                } else {
                    // The handler closes the connection; its close counts it out of the pool (closed).
                    done.channel().close();
                    callback.onAcquireFailed(connectFailure(handshake.cause()));
                }
            });
        });
    }

    /** A handshake that did not finish in time is a connection not made in time, as a TCP connect's timeout. */
    private static Throwable connectFailure(Throwable handshake) {
        if (handshake instanceof SslHandshakeTimeoutException) {
            ConnectTimeoutException timeout = new ConnectTimeoutException("TLS handshake not finished in time");
            timeout.initCause(handshake);
            return timeout;
        }
        return handshake;
    }

    void release(UpstreamConnection c, boolean reusable) {
        if (!reusable || !c.channel().isActive()) {
            c.channel().close();
            return;
        }
        AcquireCallback waiter = waiters.pollFirst();
        if (waiter != null) {
            c.reused = true;
            waiter.onAcquired(c);
            return;
        }
        c.idleSinceNanos = System.nanoTime();
        idle.addFirst(c);
    }

    void closed(UpstreamConnection c) {
        open--;
        idle.remove(c);
        serveWaiter();
    }

    private void serveWaiter() {
        if (!waiters.isEmpty() && open < maxConnections) {
            connect(waiters.pollFirst());
        }
    }

    /** Closes connections idle longer than the pool's idle timeout; the oldest sit at the tail. */
    public void sweep(long nowNanos) {
        UpstreamConnection c;
        while ((c = idle.peekLast()) != null && nowNanos - c.idleSinceNanos >= idleTimeoutNanos) {
            idle.pollLast();
            c.channel().close();
        }
    }

    /** Closes every idle connection (shutdown). */
    public void closeIdle() {
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            c.channel().close();
        }
    }
}
