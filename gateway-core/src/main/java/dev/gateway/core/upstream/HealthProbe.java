package dev.gateway.core.upstream;

import dev.gateway.core.config.GatewayConfig.HealthCheckConfig;
import dev.gateway.core.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Active health checks: every endpoint, at its upstream's interval, gets a TCP connection (no
 * {@code healthCheck.path}) or a {@code GET path} that must answer 2xx within the check's timeout. To an
 * upstream with TLS, the connection is made with the upstream's TLS context and counts only once its
 * handshake succeeded (within the check's timeout, after the TCP connection), as for requests. It
 * turns unhealthy after {@code unhealthyThreshold} failed checks in a row and healthy again after
 * {@code healthyThreshold} good ones; the first check decides alone. Runs on one loop (the admin's),
 * never blocking it.
 */
public final class HealthProbe {
    private static final Logger LOG = LogManager.getLogger(HealthProbe.class);

    /** Closes a check's connection on any error (its verdict comes from the close or the timeout). */
    private static final ChannelHandler CLOSE_ON_ERROR = new CloseOnError();

    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    @ChannelHandler.Sharable
    private static final class CloseOnError extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** @param alloc the gateway's allocator (one per process: a second would hold its own chunks) */
    public HealthProbe(EventLoop loop, Transport transport, ByteBufAllocator alloc, List<Upstream> upstreams) {
        for (Upstream u : upstreams) {
            HealthCheckConfig config = u.config().healthCheck();
            Bootstrap b = new Bootstrap().group(loop).channel(transport.channel())
                    .option(ChannelOption.ALLOCATOR, alloc)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.timeout().toMillis());
            long every = config.interval().toMillis();
            for (Endpoint e : u.endpoints()) {
                Check check = new Check(e, config, b, loop,
                        UpstreamPools.tlsHandlers(u.tls(), e, config.timeout().toMillis()));
                tasks.add(loop.scheduleWithFixedDelay(check::run, 0, every, TimeUnit.MILLISECONDS));
            }
        }
    }

    public void close() {
        tasks.forEach(t -> t.cancel(false));
    }

    /** One endpoint's checks and its streak of results; touched by the probe loop only. */
    private static final class Check {
        private final Endpoint endpoint;
        private final HealthCheckConfig config;
        private final Bootstrap bootstrap;
        private final EventLoop loop;
        private int goodInARow;
        private int badInARow;

        /** @param tls makes the connection's TLS handler, or {@code null} for a cleartext upstream */
        Check(Endpoint endpoint, HealthCheckConfig config, Bootstrap template, EventLoop loop,
                Function<ByteBufAllocator, SslHandler> tls) {
            this.endpoint = endpoint;
            this.config = config;
            this.loop = loop;
            this.bootstrap = template.clone().handler(tls == null && config.path() == null ? CLOSE_ON_ERROR
                    : new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(tls.apply(ch.alloc()));
                            }
                            if (config.path() != null) {
                                ch.pipeline().addLast(new HttpClientCodec());
                            }
                            ch.pipeline().addLast(CLOSE_ON_ERROR);
                        }
                    });
        }

        void run() {
            bootstrap.connect(endpoint.address()).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    result(false, String.valueOf(f.cause()));
                    return;
                }
                SslHandler tls = f.channel().pipeline().get(SslHandler.class);
                if (tls == null) {
                    connected(f.channel());
                    return;
                }
                tls.handshakeFuture().addListener((Future<Channel> handshake) -> {
                    if (handshake.isSuccess()) {
                        connected(f.channel());
                    } else {
                        f.channel().close();
                        result(false, "TLS handshake failed: " + withRootCause(handshake.cause()));
                    }
                });
            });
        }

        /** A handshake's error with what lies under it (OpenSSL's says only "General OpenSslEngine problem"). */
        private static String withRootCause(Throwable t) {
            if (t instanceof NotSslRecordException) { // its message holds the bytes, in hex
                return "the endpoint answered something that is not TLS";
            }
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == t ? t.toString() : t + " (" + root + ")";
        }

        /** The connection is made (and its TLS handshake done): a TCP check has passed, an HTTP one asks. */
        private void connected(Channel ch) {
            if (config.path() == null) {
                ch.close();
                result(true, null);
            } else {
                askForStatus(ch);
            }
        }

        private void askForStatus(Channel ch) {
            ch.pipeline().addLast(new StatusReader(this));
            FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, config.path());
            get.headers().set(HttpHeaderNames.HOST, endpoint.hostHeader())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.USER_AGENT, "gateway-health-check");
            ch.writeAndFlush(get);
            // The connect timeout covered the connection; the answer gets the check's timeout again.
            ScheduledFuture<?> timeout = loop.schedule(() -> {
                if (ch.pipeline().get(StatusReader.class) != null) {
                    ch.pipeline().remove(StatusReader.class);
                    ch.close();
                    result(false, "no answer within " + config.timeout().toMillis() + " ms");
                }
            }, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(done -> timeout.cancel(false));
        }

        void result(boolean good, String why) {
            boolean first = !endpoint.checked();
            if (good) {
                badInARow = 0;
                goodInARow++;
                if (first || (!endpoint.healthy() && goodInARow >= config.healthyThreshold())) {
                    turn(true, why);
                }
            } else {
                goodInARow = 0;
                badInARow++;
                if (first || (endpoint.healthy() && badInARow >= config.unhealthyThreshold())) {
                    turn(false, why);
                }
            }
        }

        private void turn(boolean healthy, String why) {
            boolean changed = !endpoint.checked() || healthy != endpoint.healthy();
            endpoint.checkedHealthy(healthy);
            if (changed && healthy) {
                LOG.info("endpoint {} is healthy", endpoint);
            } else if (changed) {
                LOG.warn("endpoint {} is unhealthy: {}", endpoint, why);
            }
        }
    }

    /** Reads the status of a check's answer, once, and closes the connection. */
    private static final class StatusReader extends ChannelInboundHandlerAdapter {
        private final Check check;

        StatusReader(Check check) {
            this.check = check;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse) {
                    HttpResponse r = (HttpResponse) msg;
                    boolean good = r.decoderResult().isSuccess()
                            && r.status().codeClass() == HttpStatusClass.SUCCESS;
                    ctx.pipeline().remove(this);
                    ctx.close();
                    check.result(good, good ? null : "answered " + r.status());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ctx.pipeline().remove(this);
            check.result(false, "closed without answering");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
