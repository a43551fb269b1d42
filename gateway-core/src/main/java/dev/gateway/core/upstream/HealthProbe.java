package dev.gateway.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import dev.gateway.core.net.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Marks each endpoint reachable or not by opening (and at once closing) a TCP connection to it at the
 * upstream's health-check interval. Feeds {@code /readyz}; never blocks a loop.
 */
public final class HealthProbe {
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(HealthProbe.class);
    /** A probe connection reads nothing; one handler serves them all. */
    private static final ChannelInboundHandlerAdapter NOTHING = new Nothing();

    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Nothing extends ChannelInboundHandlerAdapter {
    }

    public HealthProbe(EventLoop loop, Transport transport, List<Upstream> upstreams) {
        for (Upstream u : upstreams) {
            Bootstrap b = new Bootstrap().group(loop).channel(transport.channel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) u.config().connectTimeout().toMillis())
                    .handler(NOTHING);
            long every = u.config().healthCheckInterval().toMillis();
            for (Endpoint e : u.endpoints()) {
                tasks.add(loop.scheduleWithFixedDelay(() -> probe(b, e), 0, every, TimeUnit.MILLISECONDS));
            }
        }
    }

    private static void probe(Bootstrap b, Endpoint e) {
        b.connect(e.address()).addListener((ChannelFuture f) -> {
            boolean up = f.isSuccess();
            if (up != e.reachable()) {
                if (up) {
                    LOG.info("endpoint {} is reachable", e);
                } else {
                    LOG.warn("endpoint {} is unreachable: {}", e, String.valueOf(f.cause()));
                }
            }
            e.reachable(up);
            if (up) {
                f.channel().close();
            }
        });
    }

    public void close() {
        tasks.forEach(t -> t.cancel(false));
    }
}
