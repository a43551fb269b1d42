package dev.gateway.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestTarget;
import dev.gateway.core.config.GatewayConfig.ResponseValidation;
import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.contract.Operation;
import dev.gateway.core.exchange.ConnectionTimeouts;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.exchange.ServerState;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.net.Transport;
import dev.gateway.core.observe.Telemetry;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The proxy stage with a real pool to real loopback upstreams, fed by client connections that are
 * {@link EmbeddedChannel}s (the strict decoder, {@link ExchangeLifecycle}, a routing stand-in and
 * {@link ProxyHandler}). Everything runs on the pools' one event loop: an {@code EmbeddedChannel} runs its
 * work on whatever thread drives it, so the test drives the clients from that loop ({@link #onLoop}) and
 * the call, the pool and the upstream channels share one thread as they do in the gateway.
 */
final class ProxyRig implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final EventLoop loop = group.next();
    final GatewayMetrics metrics = new GatewayMetrics();
    final Upstream upstream;
    final UpstreamPools pools;
    final UpstreamPools.LoopPools loopPools;
    final RoutedOperation op;
    private final List<Client> clients = new ArrayList<>();

    /**
     * @param settings YAML of the upstream after its endpoints, e.g. {@code ", connectTimeout: 200ms"}
     * @param responseTimeout the operation's, or {@code null} for a stream
     * @param idleTimeout the stream's, or {@code null}
     * @param totalTimeout the route's, or {@code null}
     * @param endpoints {@code host:port} of each endpoint
     */
    ProxyRig(String settings, Duration responseTimeout, Duration idleTimeout, Duration totalTimeout,
            String... endpoints) {
        UpstreamConfig c = GatewayConfig.fromYaml("upstreams: {trade: {endpoints: [" + String.join(", ", endpoints)
                + "]" + settings + "}}", "test").upstreams().get("trade");
        List<Endpoint> list = new ArrayList<>();
        for (String e : endpoints) {
            int colon = e.lastIndexOf(':');
            list.add(new Endpoint("trade", e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)),
                    c.breaker(), metrics.endpoint("trade", e)));
        }
        upstream = new Upstream(0, c, list, metrics.upstream("trade"));
        pools = new UpstreamPools(group, Transport.NIO, ByteBufAllocator.DEFAULT, List.of(upstream), 8192);
        loopPools = pools.forLoop(loop);
        Operation operation = new Operation("putTrade", HttpMethod.PUT, "/v1/trades/{id}", List.of(), false);
        op = new RoutedOperation(operation, upstream, null, responseTimeout, idleTimeout, totalTimeout, null, ResponseValidation.OFF,
                null, null, metrics.route("PUT", "/v1/trades/{id}", null), 0);
    }

    /** Runs on the loop and waits for the result. */
    <T> T onLoop(Callable<T> task) {
        try {
            return loop.submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    void run(Runnable task) {
        onLoop(() -> {
            task.run();
            return null;
        });
    }

    /** Waits (up to 5 s) until the condition, checked on the loop, holds. */
    void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!onLoop(condition::getAsBoolean)) {
            if (System.nanoTime() - end > 0) {
                fail("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    Client client() {
        Client c = onLoop(Client::new);
        clients.add(c);
        return c;
    }

    /** The endpoint's connections over the loop: {@code {active, idle, pending acquires}}. */
    int[] connections(int endpoint) {
        return onLoop(() -> pools.connectionCounts(upstream, upstream.endpoints().get(endpoint)));
    }

    /** Attempts of an endpoint with this outcome ({@code success}, {@code failure}, {@code abandoned}). */
    int attempts(String endpoint, String outcome) {
        Double v = metrics.registry().getSampleValue("gateway_upstream_attempt_duration_seconds_count",
                new String[] {"upstream", "endpoint", "outcome"}, new String[] {"trade", endpoint, outcome});
        return v == null ? 0 : v.intValue();
    }

    int retries() {
        Double v = metrics.registry().getSampleValue("gateway_upstream_retries_total", new String[] {"upstream"},
                new String[] {"trade"});
        return v == null ? 0 : v.intValue();
    }

    @Override
    public void close() {
        run(() -> clients.forEach(Client::finish));
        pools.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One client connection. Use its methods from the test thread: they run on the loop. */
    final class Client {
        final EmbeddedChannel channel;
        final ExchangeLifecycle exchanges;
        final ProxyHandler proxy;
        private final EmbeddedChannel reader = new EmbeddedChannel(new HttpClientCodec(),
                new HttpObjectAggregator(4 << 20));
        /** Every buffer handed to the client connection; each must be released once its exchange is over. */
        final List<ByteBuf> handedIn = new ArrayList<>();
        private final List<FullHttpResponse> read = new ArrayList<>();

        private Client() {
            ConnectionTimeouts timeouts = new ConnectionTimeouts(TimeUnit.SECONDS.toNanos(65),
                    TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(30));
            exchanges = new ExchangeLifecycle(new ServerState(), timeouts,
                    new Telemetry(metrics, false, 1, "test", null));
            proxy = new ProxyHandler(exchanges, loopPools, null);
            channel = new EmbeddedChannel(timeouts,
                    new HttpServerCodec(RequestFraming.decoderConfig(8192, 8192, 16384)), new FlowControlHandler(),
                    exchanges, new ChannelInboundHandlerAdapter() { // routing, as the request stages leave it
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof HttpRequest) {
                                Exchange ex = exchanges.current();
                                ex.targetParsed(RequestTarget.parse(((HttpRequest) msg).uri()));
                                ex.routed(op);
                            }
                            ctx.fireChannelRead(msg);
                        }
                    }, proxy);
        }

        /** The call in flight right after the last {@link #send}, and its state then (in the same loop task). */
        ProxyCall sentCall;
        CallState stateAfterSend;
        boolean readingAfterSend;

        /**
         * Hands raw bytes to the connection as one read, and notes the call in flight right after it and
         * its state, before the loop does anything else.
         *
         * @return the call in flight after the read, or {@code null}
         */
        ProxyCall send(String raw) {
            run(() -> sendOnLoop(raw));
            return sentCall;
        }

        /** As {@link #send}, on the loop already. */
        void sendOnLoop(String raw) {
            ByteBuf b = Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1);
            handedIn.add(b);
            channel.writeInbound(b);
            channel.runPendingTasks();
            sentCall = proxy.call();
            stateAfterSend = sentCall == null ? null : sentCall.state();
            readingAfterSend = channel.config().isAutoRead();
        }

        /** The call of the exchange in flight, {@code null} when none is. */
        ProxyCall call() {
            return onLoop(proxy::call);
        }

        CallState state(ProxyCall call) {
            return onLoop(call::state);
        }

        /**
         * Runs the connection's timers until the call is over: its deadline is real time (the call's clock
         * reads {@link System#nanoTime}), so this polls, as {@link ProxyRig#await} does, up to 5 s.
         */
        void runTimersUntilDone(ProxyCall call) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                runTimers();
                if (state(call) == CallState.DONE) {
                    return;
                }
                if (System.nanoTime() - end > 0) {
                    fail("the call's deadline never fired");
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }

        /** Runs the connection's timers that are due (the call's deadline among them). */
        void runTimers() {
            run(() -> {
                channel.runScheduledPendingTasks();
                channel.runPendingTasks();
            });
        }

        boolean open() {
            return onLoop(channel::isOpen);
        }

        boolean reading() {
            return onLoop(() -> channel.config().isAutoRead());
        }

        void leave() {
            run(() -> {
                channel.close();
                channel.runPendingTasks();
            });
        }

        /** Waits for the next whole response the client reads; the caller releases it. */
        FullHttpResponse response() {
            await("a response", () -> {
                channel.runPendingTasks();
                for (Object o; (o = channel.readOutbound()) != null; ) {
                    reader.writeInbound((ByteBuf) o);
                }
                for (Object o; (o = reader.readInbound()) != null; ) {
                    read.add((FullHttpResponse) o);
                }
                return !read.isEmpty();
            });
            return onLoop(() -> read.remove(0));
        }

        /** Reads a response, checks its status, releases it, and returns its body. */
        String expect(int status) {
            FullHttpResponse r = response();
            try {
                String body = r.content().toString(StandardCharsets.UTF_8);
                assertEquals(status, r.status().code(), body);
                return body;
            } finally {
                ReferenceCountUtil.release(r);
            }
        }

        /** Every buffer handed in has been released (its exchange is over). */
        void assertAllReleased() {
            run(() -> {
                for (ByteBuf b : handedIn) {
                    assertEquals(0, b.refCnt(), "a buffer handed to the client connection was not released");
                }
            });
        }

        private void finish() {
            channel.finishAndReleaseAll();
            reader.finishAndReleaseAll();
            read.forEach(ReferenceCountUtil::release);
            read.clear();
        }
    }
}
