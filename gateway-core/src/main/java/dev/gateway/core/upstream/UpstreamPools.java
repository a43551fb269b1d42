package dev.gateway.core.upstream;

import dev.gateway.core.net.Transport;
import dev.gateway.core.tls.UpstreamTls;
import dev.gateway.core.upstream.pool.EndpointPool;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Every event loop's pools, built once at start: {@link #forLoop} is a read-only identity lookup that
 * a client connection makes once, not per request.
 */
public final class UpstreamPools {
    private final Map<EventLoop, LoopPools> byLoop = new IdentityHashMap<>();
    private final List<ScheduledFuture<?>> sweepers = new ArrayList<>();

    public UpstreamPools(EventLoopGroup group, Transport transport, ByteBufAllocator alloc, List<Upstream> upstreams,
            int maxResponseHeaderBytes) {
        int loops = 0;
        for (EventExecutor ignored : group) {
            loops++;
        }
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            PooledEndpoint[][] pools = new PooledEndpoint[upstreams.size()][];
            for (Upstream u : upstreams) {
                Bootstrap template = new Bootstrap()
                        .channel(transport.channel())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_KEEPALIVE, true)
                        .option(ChannelOption.ALLOCATOR, alloc)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) Math.min(Integer.MAX_VALUE, u.config().connectTimeout().toMillis()));
                int perLoop = Math.max(1, (u.config().maxConnectionsPerEndpoint() + loops - 1) / loops);
                // The handshake gets the connect timeout of its own, once the TCP connection is made.
                long handshakeMillis = u.config().connectTimeout().toMillis();
                pools[u.index()] = u.endpoints().stream()
                        .map(e -> new PooledEndpoint(e, new EndpointPool(loop, e.address(), template, perLoop,
                                u.config().maxPendingAcquires(), u.config().poolIdleTimeout().toNanos(),
                                maxResponseHeaderBytes, tlsHandlers(u.tls(), e, handshakeMillis))))
                        .toArray(PooledEndpoint[]::new);
            }
            RetryBudget[] budgets = new RetryBudget[upstreams.size()];
            for (Upstream u : upstreams) {
                budgets[u.index()] = new RetryBudget(u.config().retries(), System.nanoTime());
            }
            LoopPools lp = new LoopPools(pools, budgets);
            byLoop.put(loop, lp);
            sweepers.add(loop.scheduleWithFixedDelay(() -> lp.sweep(System.nanoTime()), 1, 1, TimeUnit.SECONDS));
        }
    }

    /** What makes the TLS handlers of connections to {@code e}, or {@code null} for a cleartext upstream. */
    static Function<ByteBufAllocator, SslHandler> tlsHandlers(UpstreamTls tls, Endpoint e, long handshakeMillis) {
        if (tls == null) {
            return null;
        }
        String host = e.address().getHostString();
        int port = e.address().getPort();
        return alloc -> tls.newHandler(alloc, host, port, handshakeMillis);
    }

    public LoopPools forLoop(EventLoop loop) {
        LoopPools p = byLoop.get(loop);
        if (p == null) {
            throw new IllegalStateException("no pools for event loop " + loop);
        }
        return p;
    }

    /**
     * Open connections to the upstream's endpoints over all loops (connecting, leased and idle), read on
     * each loop. For gauges and tests; not for the request path.
     */
    public int openConnections(Upstream upstream) {
        int total = 0;
        for (Map.Entry<EventLoop, LoopPools> e : byLoop.entrySet()) {
            total += e.getKey().submit(() -> e.getValue().open(upstream)).syncUninterruptibly().getNow();
        }
        return total;
    }

    /**
     * The endpoint's connections over all loops: {@code {active, idle, pending acquires}}. Read from the
     * scraping thread without a hop onto each loop, so a count may be a moment old; a gauge asks no more.
     */
    public int[] connectionCounts(Upstream upstream, Endpoint endpoint) {
        int i = upstream.endpoints().indexOf(endpoint);
        int open = 0;
        int idle = 0;
        int pending = 0;
        for (LoopPools lp : byLoop.values()) {
            PooledEndpoint p = lp.pools[upstream.index()][i];
            open += p.pool().openConnections();
            idle += p.pool().idleConnections();
            pending += p.pool().pendingAcquires();
        }
        return new int[] {Math.max(0, open - idle), idle, pending};
    }

    /** Stops sweeping and closes idle connections; leased ones close with their exchanges. */
    public void close() {
        sweepers.forEach(s -> s.cancel(false));
        byLoop.forEach((loop, pools) -> {
            if (!loop.isShuttingDown()) {
                Future<?> ignored = loop.submit(pools::closeIdle);
            }
        });
    }

    /** The pools and retry budgets of one event loop, indexed by upstream. */
    public static final class LoopPools {
        private final PooledEndpoint[][] pools;
        private final RetryBudget[] budgets;

        LoopPools(PooledEndpoint[][] pools, RetryBudget[] budgets) {
            this.pools = pools;
            this.budgets = budgets;
        }

        public RetryBudget retryBudget(Upstream upstream) {
            return budgets[upstream.index()];
        }

        /**
         * The pool for the next call to {@code upstream}, with a permit of its endpoint's breaker taken:
         * of two endpoints drawn at random among the usable ones (checks passing, not ejected, breaker
         * not open), the one with fewer calls in flight on this loop. When none is usable by its checks,
         * any whose breaker admits the call (better a try than a certain failure). {@code null} when
         * every breaker refuses: the caller answers 503 without touching the network.
         *
         * @param avoid an endpoint not to pick (where a retry's first attempt failed), or {@code null}
         */
        public PooledEndpoint pick(Upstream upstream, Endpoint avoid) {
            PooledEndpoint[] c = pools[upstream.index()];
            if (c.length == 1) {
                PooledEndpoint only = c[0];
                return only.endpoint() != avoid && only.endpoint().tryAcquirePermit() ? only : null;
            }
            long now = System.nanoTime();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int i = random.nextInt(c.length);
            int j = random.nextInt(c.length - 1);
            j += j >= i ? 1 : 0;
            boolean iUsable = usable(c[i], avoid, now);
            boolean jUsable = usable(c[j], avoid, now);
            PooledEndpoint first = iUsable && jUsable ? (c[j].pool().calls() < c[i].pool().calls() ? c[j] : c[i])
                    : iUsable ? c[i] : jUsable ? c[j] : null;
            if (first != null && first.endpoint().tryAcquirePermit()) {
                return first;
            }
            boolean anyUsable = first != null;
            for (int k = 0; k < c.length; k++) { // the draw missed: any usable one, from a random start
                PooledEndpoint p = c[(i + k) % c.length];
                if (p != first && usable(p, avoid, now)) {
                    anyUsable = true;
                    if (p.endpoint().tryAcquirePermit()) {
                        return p;
                    }
                }
            }
            if (anyUsable) {
                return null; // usable ones exist but their half-open trials are taken: not a reason to panic
            }
            for (int k = 0; k < c.length; k++) { // none passes its checks: whatever a breaker admits
                PooledEndpoint p = c[(i + k) % c.length];
                if (p.endpoint() != avoid && !p.endpoint().breakerOpen() && p.endpoint().tryAcquirePermit()) {
                    return p;
                }
            }
            return null;
        }

        /**
         * An endpoint of {@code upstream} for traffic that takes no breaker permit and feeds no breaker
         * (shadow copies): a usable one drawn at random.
         *
         * @return the pool, or {@code null} when no endpoint is usable
         */
        public PooledEndpoint any(Upstream upstream) {
            PooledEndpoint[] c = pools[upstream.index()];
            long now = System.nanoTime();
            int start = ThreadLocalRandom.current().nextInt(c.length);
            for (int k = 0; k < c.length; k++) {
                PooledEndpoint p = c[(start + k) % c.length];
                if (p.endpoint().usable(now)) {
                    return p;
                }
            }
            return null;
        }

        private static boolean usable(PooledEndpoint p, Endpoint avoid, long now) {
            return p.endpoint() != avoid && p.endpoint().usable(now);
        }

        int open(Upstream upstream) {
            int n = 0;
            for (PooledEndpoint p : pools[upstream.index()]) {
                n += p.pool().openConnections();
            }
            return n;
        }

        void sweep(long nowNanos) {
            for (PooledEndpoint[] ps : pools) {
                for (PooledEndpoint p : ps) {
                    p.pool().sweep(nowNanos);
                }
            }
        }

        void closeIdle() {
            for (PooledEndpoint[] ps : pools) {
                for (PooledEndpoint p : ps) {
                    p.pool().closeIdle();
                }
            }
        }
    }
}
