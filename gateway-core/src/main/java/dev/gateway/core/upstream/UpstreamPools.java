package dev.gateway.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import dev.gateway.core.net.Transport;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
            EndpointPool[][] pools = new EndpointPool[upstreams.size()][];
            for (Upstream u : upstreams) {
                Bootstrap template = new Bootstrap()
                        .channel(transport.channel())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.SO_KEEPALIVE, true)
                        .option(ChannelOption.ALLOCATOR, alloc)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) Math.min(Integer.MAX_VALUE, u.config().connectTimeout().toMillis()));
                int perLoop = Math.max(1, (u.config().maxConnectionsPerEndpoint() + loops - 1) / loops);
                pools[u.index()] = u.endpoints().stream()
                        .map(e -> new EndpointPool(loop, e, template, perLoop, u.config().maxPendingAcquires(),
                                u.config().poolIdleTimeout().toNanos(), maxResponseHeaderBytes))
                        .toArray(EndpointPool[]::new);
            }
            LoopPools lp = new LoopPools(pools);
            byLoop.put(loop, lp);
            sweepers.add(loop.scheduleWithFixedDelay(() -> lp.sweep(System.nanoTime()), 1, 1, TimeUnit.SECONDS));
        }
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

    /** Stops sweeping and closes idle connections; leased ones close with their exchanges. */
    public void close() {
        sweepers.forEach(s -> s.cancel(false));
        byLoop.forEach((loop, pools) -> {
            if (!loop.isShuttingDown()) {
                Future<?> ignored = loop.submit(pools::closeIdle);
            }
        });
    }

    /** The pools of one event loop, indexed by upstream. */
    public static final class LoopPools {
        private final EndpointPool[][] pools;
        private final int[] next;

        LoopPools(EndpointPool[][] pools) {
            this.pools = pools;
            this.next = new int[pools.length];
        }

        /** The pool to use for the next request to this upstream: round robin over its endpoints. */
        public EndpointPool pick(Upstream upstream) {
            EndpointPool[] candidates = pools[upstream.index()];
            if (candidates.length == 1) {
                return candidates[0];
            }
            int i = next[upstream.index()]++;
            return candidates[Math.floorMod(i, candidates.length)];
        }

        int open(Upstream upstream) {
            int n = 0;
            for (EndpointPool p : pools[upstream.index()]) {
                n += p.openConnections();
            }
            return n;
        }

        void sweep(long nowNanos) {
            for (EndpointPool[] ps : pools) {
                for (EndpointPool p : ps) {
                    p.sweep(nowNanos);
                }
            }
        }

        void closeIdle() {
            for (EndpointPool[] ps : pools) {
                for (EndpointPool p : ps) {
                    p.closeIdle();
                }
            }
        }
    }
}
