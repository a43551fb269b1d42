package dev.gateway.core.server;

import dev.gateway.codec.RequestFraming;
import dev.gateway.core.admin.Probes;
import dev.gateway.core.auth.Authenticator;
import dev.gateway.core.config.GatewayConfig.ClientLimits;
import dev.gateway.core.exchange.ConnectionTimeouts;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.exchange.ExchangeObserver;
import dev.gateway.core.exchange.Http2ConnectionClock;
import dev.gateway.core.http2.AlpnSelector;
import dev.gateway.core.http2.H2cUpgrade;
import dev.gateway.core.http2.Http2Handlers;
import dev.gateway.core.http2.Http2PrefaceDetector;
import dev.gateway.core.http2.Http2RequestDecoder;
import dev.gateway.core.http2.Http2StreamEnds;
import dev.gateway.core.exchange.ServerState;
import dev.gateway.core.metrics.TlsMetrics;
import dev.gateway.core.observe.Telemetry;
import dev.gateway.core.proxy.ProxyHandler;
import dev.gateway.core.proxy.Rollout;
import dev.gateway.core.ratelimit.RateLimiter;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.stage.Admission;
import dev.gateway.core.stage.Authentication;
import dev.gateway.core.stage.ContractValidation;
import dev.gateway.core.stage.RateLimiting;
import dev.gateway.core.stage.RequestGuard;
import dev.gateway.core.stage.Routing;
import dev.gateway.core.tls.ServerTls;
import dev.gateway.core.upstream.UpstreamPools;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.SslHandler;
import io.prometheus.client.Counter;

/**
 * Builds a client connection's pipeline: timeouts, TLS (when the listener has it), then, once the protocol
 * is known (ALPN over TLS, the first bytes in cleartext; HTTP/1.1 alone when HTTP/2 is off), either the
 * HTTP/1.1 codec or the HTTP/2 handlers with a pipeline per stream. Both end in the same handlers: flow
 * control, exchange lifecycle, request guard, routing, authentication, rate limiting, admission, contract
 * validation, proxy.
 */
public final class ClientChannelInitializer extends ChannelInitializer<Channel> {
    /** Body chunks are forwarded as the decoder cuts them; this bounds one chunk. */
    private static final int MAX_CHUNK_BYTES = 16 * 1024;
    private static final RecvByteBufAllocator ONE_FRAME_PER_READ =
            new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(1);
    /** The names {@link #exchanges} adds, in order. */
    private static final String[] EXCHANGE_HANDLERS = {"flow", "exchange", "guard", "routing", "auth", "ratelimit",
        "admission", "contract", "proxy"};

    private final ClientLimits limits;
    private final ServerState state;
    private final RouteTable routes;
    private final Probes probes;
    private final UpstreamPools pools;
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final Counter.Child[] rateLimited;
    private final Telemetry telemetry;
    private final ExchangeObserver observer;
    private final Rollout rollout;
    private final ServerTls tls;
    private final TlsMetrics tlsMetrics;
    private final Http2Handlers http2;

    /**
     * @param rateLimited refusals by rate class, indexed as the classes are
     * @param observer told of every exchange (the telemetry, and the SLO guard when there is one)
     * @param rollout the split, shadow and capture of a migration
     * @param tls the listener's TLS, or {@code null} for cleartext
     * @param tlsMetrics counts the handshakes; {@code null} when {@code tls} is
     * @param http2 HTTP/2's handlers, or {@code null} for HTTP/1.1 only
     */
    public ClientChannelInitializer(ClientLimits limits, ServerState state, RouteTable routes, Probes probes,
            UpstreamPools pools, Authenticator authenticator, RateLimiter rateLimiter, Counter.Child[] rateLimited,
            Telemetry telemetry, ExchangeObserver observer, Rollout rollout, ServerTls tls, TlsMetrics tlsMetrics,
            Http2Handlers http2) {
        this.limits = limits;
        this.state = state;
        this.routes = routes;
        this.probes = probes;
        this.pools = pools;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.rateLimited = rateLimited;
        this.telemetry = telemetry;
        this.observer = observer;
        this.rollout = rollout;
        this.tls = tls;
        this.tlsMetrics = tlsMetrics;
        this.http2 = http2;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!state.tryOpenConnection(limits.maxConnections())) {
            ch.close(); // over client.maxConnections: refuse at once rather than serve everyone slowly
            return;
        }
        ch.closeFuture().addListener(f -> state.connectionClosed());
        ConnectionTimeouts timeouts = newTimeouts();
        ChannelPipeline p = ch.pipeline();
        // Before TLS, so the clocks run on the bytes as they arrive: a ClientHello starts the headers clock
        // (the handshake and the head within headersTimeout), and so does a record trickled in a byte at a
        // time, which the TLS handler would hold back until it is whole.
        p.addLast("timeouts", timeouts);
        if (tls != null) {
            SslHandler ssl = tls.newHandler(ch.alloc());
            ssl.handshakeFuture().addListener(f -> tlsMetrics.handshake(
                    f.isSuccess() ? ssl.engine().getSession().getProtocol() : "none", f.isSuccess()));
            p.addLast("tls", ssl); // everything after it reads and writes plaintext
        }
        if (http2 == null) {
            http1(p, timeouts);
        } else if (tls != null) {
            p.addLast("alpn", new AlpnSelector(ctx -> http1(p, timeouts), ctx -> http2(p, timeouts)));
        } else {
            p.addLast("preface", new Http2PrefaceDetector(ctx -> http1(p, timeouts), ctx -> http2(p, timeouts)));
        }
    }

    private ConnectionTimeouts newTimeouts() {
        return new ConnectionTimeouts(limits.keepAliveIdleTimeout().toNanos(), limits.headersTimeout().toNanos(),
                limits.bodyIdleTimeout().toNanos());
    }

    /**
     * An HTTP/1.1 connection: the decoder, then the exchanges. In cleartext with HTTP/2 on, its first request
     * may ask to upgrade to h2c.
     */
    private void http1(ChannelPipeline p, ConnectionTimeouts timeouts) {
        p.addLast("http", new HttpServerCodec(RequestFraming.decoderConfig(limits.maxRequestLineBytes(),
                limits.maxHeaderBytes(), MAX_CHUNK_BYTES)));
        if (http2 != null && tls == null) {
            p.addLast("h2c-upgrade", new H2cUpgrade(ctx -> {
                for (String name : EXCHANGE_HANDLERS) {
                    p.remove(name);
                }
                return http2(p, timeouts);
            }));
        }
        exchanges(p, timeouts);
    }

    /**
     * An HTTP/2 connection: the frame handlers, then a channel per stream, whose pipeline turns its frames
     * into HTTP/1.1 messages and has the exchange handlers of an HTTP/1.1 connection, clocks included.
     */
    private Http2FrameCodec http2(ChannelPipeline p, ConnectionTimeouts timeouts) {
        Http2ConnectionClock clock = new Http2ConnectionClock(timeouts, state);
        return http2.addTo(p, clock, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                clock.streamOpened(stream);
                // One frame per read: the window opens as frames are read, so a stream whose exchange paused
                // reading (upstream backpressure) has at most one frame past it.
                stream.config().setRecvByteBufAllocator(ONE_FRAME_PER_READ);
                ChannelPipeline sp = stream.pipeline();
                sp.addLast("h2-ends", new Http2StreamEnds());
                sp.addLast("h2-request", new Http2RequestDecoder());
                sp.addLast("h2-response", new Http2StreamFrameToHttpObjectCodec(true));
                ConnectionTimeouts streamTimeouts = newTimeouts();
                sp.addLast("timeouts", streamTimeouts);
                exchanges(sp, streamTimeouts);
            }
        });
    }

    /** The exchange lifecycle and the stages, after whatever decodes requests. */
    private void exchanges(ChannelPipeline p, ConnectionTimeouts timeouts) {
        ExchangeLifecycle exchanges = new ExchangeLifecycle(state, timeouts, observer);
        // With reading paused, decoded messages wait here instead of racing into the handlers.
        p.addLast("flow", new FlowControlHandler());
        p.addLast("exchange", exchanges);
        p.addLast("guard", new RequestGuard(exchanges));
        p.addLast("routing", new Routing(exchanges, routes, probes));
        p.addLast("auth", new Authentication(exchanges, authenticator, telemetry.metrics()));
        p.addLast("ratelimit", new RateLimiting(exchanges, rateLimiter, rateLimited));
        p.addLast("admission", new Admission(exchanges));
        p.addLast("contract", new ContractValidation(exchanges));
        p.addLast("proxy", new ProxyHandler(exchanges, pools, telemetry.tracing(), rollout));
    }
}
