package dev.gateway.core.server;

import dev.gateway.core.admin.AdminChannelInitializer;
import dev.gateway.core.admin.AdminHandler;
import dev.gateway.core.admin.MigrationAdmin;
import dev.gateway.core.admin.Probes;
import dev.gateway.core.auth.Authenticator;
import dev.gateway.core.capture.TrafficCapture;
import dev.gateway.core.config.ConfigDiff;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigWatcher;
import dev.gateway.core.config.GatewayConfig.LoggingConfig;
import dev.gateway.core.config.GatewayConfig.RateLimitStore;
import dev.gateway.core.config.GatewayConfig.RateLimitStoreConfig;
import dev.gateway.core.config.GatewayConfig.RouteConfig;
import dev.gateway.core.config.GatewayConfig.TracingConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.MigrationConfig.SloGuardConfig;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.contract.Operation;
import dev.gateway.core.exchange.ExchangeObserver;
import dev.gateway.core.exchange.ServerState;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.http2.Http2Handlers;
import dev.gateway.core.metrics.TlsMetrics;
import dev.gateway.core.net.Allocators;
import dev.gateway.core.net.Transport;
import dev.gateway.core.observe.DropWhenFull;
import dev.gateway.core.observe.Telemetry;
import dev.gateway.core.observe.Tracing;
import dev.gateway.core.proxy.Rollout;
import dev.gateway.core.ratelimit.LeasedRateLimiter;
import dev.gateway.core.ratelimit.LocalRateLimiter;
import dev.gateway.core.ratelimit.RateClasses;
import dev.gateway.core.ratelimit.RateLimiter;
import dev.gateway.core.route.RouteBinder;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.shadow.Shadowing;
import dev.gateway.core.split.Migration;
import dev.gateway.core.split.SloGuard;
import dev.gateway.core.tls.ServerTls;
import dev.gateway.core.upstream.HealthProbe;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools;
import dev.gateway.core.upstream.Upstreams;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.prometheus.client.Counter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;

/** A running gateway: its listeners, event loops and upstream pools. */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Gateway.class);

    /** Connections the kernel may hold for the listener before it accepts them (capped by {@code net.core.somaxconn}). */
    private static final int ACCEPT_BACKLOG = 4096;

    /** How often callers whose buckets have refilled are dropped. */
    private static final Duration RATE_SWEEP = Duration.ofSeconds(10);

    private final GatewayConfig config;
    /** The configuration now: the start one, or the last one a reload applied. */
    private volatile GatewayConfig running;
    /** Where {@link #reload(String)} reads the configuration again, or {@code null} when nothing can be. */
    private volatile Supplier<GatewayConfig> reloadSource;
    private Migration migration;
    /** Reloads are one at a time. */
    private final Object reloading = new Object();
    private Shadowing shadowing;
    /** The traffic capture, or {@code null} when it is off. */
    private TrafficCapture capture;
    /** Reloads the listener's TLS certificate and key when their files change; {@code null} without TLS. */
    private ConfigWatcher tlsFiles;
    /** The SLO guard of split routes, or {@code null} when it is off. */
    private SloGuard guard;
    private final ServerState state = new ServerState();
    private final GatewayMetrics metrics = new GatewayMetrics();
    /** The tracer, or {@code null} when tracing is off. */
    private Tracing tracing;
    private List<Upstream> upstreams;
    private EventLoopGroup io;
    private EventLoopGroup adminLoop;
    private UpstreamPools pools;
    private HealthProbe health;
    /** JWKS refreshes and the rate limiter's sweep: work that must never run on an event loop. */
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("gateway-background", true));
    /**
     * Reloads asked for on the admin listener: they read a file, which may take any time (a network mount,
     * a FIFO), so never on {@link #background}, whose work (the SLO guard's hold, key refreshes) must go on.
     */
    private final ExecutorService reloads = Executors.newSingleThreadExecutor(
            new DefaultThreadFactory("gateway-reload", true));
    private RateLimiter rateLimiter;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private Channel listener;
    private Channel adminListener;
    private CompletableFuture<Void> shutdown;
    private boolean closed;
    /**
     * A private copy that only takes the warm-up's synthetic requests ({@link WarmUp}): no health
     * checks, no admin listener, nothing logged.
     */
    private final boolean warmUpCopy;
    /** Every scope some operation requires: the warm-up's key holds them all. */
    private final Set<String> contractScopes;

    private Gateway(GatewayConfig config, boolean warmUpCopy) throws InterruptedException {
        this.config = config;
        this.running = config;
        this.warmUpCopy = warmUpCopy;
        Contract contract = config.contract() == null ? Contract.bundled() : Contract.load(Path.of(config.contract()));
        this.contractScopes = contract.operations().stream().flatMap(o -> o.requiredScopes().stream())
                .collect(Collectors.toUnmodifiableSet());
        try {
            applyLogLevel(config.logging());
            this.upstreams = Upstreams.fromConfig(config, metrics);
            RateClasses rateClasses = RateClasses.of(config.rateLimits());
            Map<String, Upstream> byName = new LinkedHashMap<>();
            upstreams.forEach(u -> byName.put(u.name(), u));
            RouteTable routes = RouteBinder.bind(contract, config, byName, rateClasses, metrics);
            this.migration = new Migration(config.routes(), byName, config.migration().overrideScope(),
                    metrics.migration());
            Authenticator authenticator = Authenticator.create(config.auth(), background);
            List<String> open = contract.operations().stream()
                    .filter(o -> !o.secured() && !o.pathTemplate().equals("/healthz")
                            && !o.pathTemplate().equals("/readyz"))
                    .map(Operation::id).toList();
            if (!open.isEmpty() && !warmUpCopy) {
                LOG.warn("the contract lets anyone call {} (no security, or security: [])", open);
            }
            this.rateLimiter = rateLimiter(config.rateLimitStore(), rateClasses);
            Counter.Child[] rateLimited = metrics.rateLimited(rateClasses.names());
            Transport transport = Transport.best();
            // 0 means one loop per core (Netty's own default would be two per core).
            int loops = config.eventLoops() > 0 ? config.eventLoops() : NettyRuntime.availableProcessors();
            // One arena per event loop plus one for the admin loop.
            ByteBufAllocator alloc = Allocators.create(config.allocator(), loops + 1);
            this.io = transport.newGroup(loops, new DefaultThreadFactory("gateway-io", true));
            this.adminLoop = transport.newGroup(1, new DefaultThreadFactory("gateway-admin", true));
            this.pools = new UpstreamPools(io, transport, alloc, upstreams, config.client().maxHeaderBytes());
            this.shadowing = new Shadowing(upstreams, io, transport, alloc, config.client().maxHeaderBytes(),
                    config.routes().stream().map(RouteConfig::prefix).toList(), metrics.migration(),
                    config.migration().diffLog());
            if (!warmUpCopy) { // its endpoints count as healthy until a check says otherwise: none will
                this.health = new HealthProbe(adminLoop.next(), transport, alloc, upstreams);
            }
            // Only what routes forward to by default: a migration's other stack, or a shadow target, being
            // down is no reason to take this replica out of service.
            List<Upstream> routed = upstreams.stream()
                    .filter(u -> config.routes().stream().anyMatch(r -> r.upstream().equals(u.name()))).toList();
            Probes probes = new Probes(routed, () -> state.draining() || state.warming());
            metrics.register(new GatewayGauges(state, probes, upstreams, pools));
            metrics.countDroppedLogLines(DropWhenFull::dropped);
            TracingConfig tc = config.tracing();
            if (tc.enabled()) {
                this.tracing = Tracing.start(tc);
            }
            Telemetry telemetry = new Telemetry(metrics, config.logging().accessLog(), ProcessHandle.current().pid(),
                    Telemetry.hostname(), tracing);

            if (config.migration().capture().journal().path() != null && !warmUpCopy) {
                this.capture = new TrafficCapture(config.migration().capture());
                TrafficCapture c = capture;
                metrics.migration().countCapturedLines(c::written, c::dropped);
            }
            ExchangeObserver observer = telemetry;
            SloGuardConfig g = config.migration().sloGuard();
            List<String> split = config.routes().stream().map(RouteConfig::prefix).toList();
            if (g.enabled() && !warmUpCopy) {
                Migration held = migration;
                this.guard = new SloGuard(split, new SloGuard.Settings(g.minRequests(), g.errorRateMargin(),
                        g.p99Ratio(), g.p99Floor().toNanos(), g.windowsInRow()),
                        trip -> background.execute(() -> held.hold(trip.route(), trip.reason())));
                migration.onResume(guard::resume);
                observer = new GuardedObserver(telemetry, guard, split);
            }
            ServerTls tls = null;
            TlsMetrics tlsMetrics = null;
            if (config.listener().tls() != null) {
                ServerTls loaded = ServerTls.load(config.listener().tls(), config.client().headersTimeout().toMillis(),
                        config.listener().http2() != null);
                TlsMetrics counted = metrics.tls(loaded::notAfter);
                if (!warmUpCopy) {
                    try {
                        this.tlsFiles = ConfigWatcher.start(loaded.files(), why -> counted.reloaded(loaded.reload()));
                    } catch (java.io.IOException e) {
                        throw ConfigException.ofSetting("listener.tls.certificate",
                                "cannot be watched for changes (" + e.getMessage() + ")");
                    }
                }
                tls = loaded;
                tlsMetrics = counted;
            }
            ClientChannelInitializer pipeline = new ClientChannelInitializer(config.client(), state, routes, probes,
                    pools, authenticator, rateLimiter, rateLimited, telemetry, observer,
                    new Rollout(migration, shadowing, capture), tls, tlsMetrics,
                    config.listener().http2() == null ? null : new Http2Handlers(config.listener().http2(),
                            config.client().bodyIdleTimeout().toNanos(), metrics.http2()));
            this.listener = bind(transport.listenerOptions(new ServerBootstrap())
                    .group(io)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            clients.add(ch);
                            ch.pipeline().addLast(pipeline);
                        }
                    }), config.listener(), "listener");

            if (warmUpCopy) {
                return;
            }
            MigrationAdmin changes = new MigrationAdmin(migration, config.migration().adminTokens(),
                    this::reload, reloads);
            changes.diffs(shadowing::latest);
            if (guard != null) {
                SloGuard watching = guard;
                changes.status(() -> GuardedObserver.status(watching));
            }
            AdminHandler admin = new AdminHandler(probes, metrics.registry(), changes);
            this.adminListener = bind(new ServerBootstrap()
                    .group(adminLoop)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childHandler(new AdminChannelInitializer(admin)), config.admin(), "admin");
            LOG.info("gateway listening on {} (admin {}), transport {}, contract {}, {} operations",
                    listener.localAddress(), adminListener.localAddress(), transport, contract.origin(),
                    contract.operations().size());
            if (tracing != null) {
                LOG.info("tracing: OTLP to {}, sampling {} of new traces", tc.endpoint(), tc.sampleRatio());
            }
        } catch (RuntimeException | InterruptedException e) {
            stopQuietly();
            throw e;
        }
    }

    /**
     * The limiter {@code rateLimits.store} names. With {@code redis} it returns at once, deciding locally
     * until Redis is connected (Redis down at start fails nothing), and its series are served from now.
     */
    private RateLimiter rateLimiter(RateLimitStoreConfig store, RateClasses classes) {
        if (store.store() != RateLimitStore.REDIS) {
            return new LocalRateLimiter(classes.size(), background, RATE_SWEEP);
        }
        LeasedRateLimiter shared = LeasedRateLimiter.onRedis(classes.all(), store.redis(), background, RATE_SWEEP);
        shared.observeRefills(metrics.sharedRateLimits(shared));
        LOG.info("rate limits shared on Redis at {} (lease {}, {} replicas expected)", store.redis().address(),
                store.redis().leaseSize(), store.redis().expectedReplicas());
        return shared;
    }

    /** Binds a listener, turning the platform's complaint into one that names the setting. */
    private static Channel bind(ServerBootstrap bootstrap, GatewayConfig.Listener at, String setting)
            throws InterruptedException {
        ChannelFuture f = bootstrap.bind(at.host(), at.port()).await();
        if (!f.isSuccess()) {
            // The address is said: the gateway logs it whenever it listens, so it is no secret, and with
            // layered files it is the one thing the operator may not know.
            throw ConfigException.about(setting, "setting '" + setting + "': cannot listen on " + at.host() + ":"
                    + at.port() + ": " + f.cause().getMessage());
        }
        return f.channel();
    }

    /** Undoes a start that failed half-way. */
    private void stopQuietly() {
        if (tlsFiles != null) {
            tlsFiles.close();
        }
        if (capture != null) {
            capture.close();
        }
        if (shadowing != null) {
            shadowing.close();
        }
        if (health != null) {
            health.close();
        }
        if (listener != null) {
            listener.close();
        }
        if (io != null) {
            io.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        if (adminLoop != null) {
            adminLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        if (rateLimiter != null) {
            rateLimiter.close();
        }
        if (tracing != null) {
            tracing.close();
        }
        background.shutdownNow();
        reloads.shutdownNow();
    }

    /** The {@code logging.level} setting, unless {@code -Dgateway.logLevel} was given (it wins). */
    private static void applyLogLevel(LoggingConfig logging) {
        if (System.getProperty("gateway.logLevel") == null) {
            Configurator.setRootLevel(Level.toLevel(logging.level().name()));
        }
    }

    /** Starts a gateway and returns once both listeners are bound. */
    public static Gateway start(GatewayConfig config) throws InterruptedException {
        return new Gateway(config, false);
    }

    /** The private copy a {@link WarmUp} drives: the listener only, on the given configuration. */
    static Gateway startWarmUpCopy(GatewayConfig config) throws InterruptedException {
        return new Gateway(config, true);
    }

    /**
     * Runs the warm-up ({@code warmup} setting) on its own thread; {@code /readyz} answers 503 until it
     * is over. Does nothing when the setting is off.
     *
     * @return completes with what the warm-up did once {@code /readyz} may answer 200
     */
    public CompletableFuture<WarmUp.Result> warmUp() {
        if (!config.warmup().enabled()) {
            return CompletableFuture.completedFuture(WarmUp.Result.SKIPPED);
        }
        state.startWarming();
        CompletableFuture<WarmUp.Result> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                WarmUp.Result r = WarmUp.run(config, contractScopes);
                LOG.info("warm-up: {} requests through the pipeline in {} ms ({} not 2xx)", r.requests(), r.millis(),
                        r.failed());
                done.complete(r);
            } catch (Throwable e) {
                LOG.warn("warm-up failed, ready without it: {}", e.toString());
                done.complete(WarmUp.Result.SKIPPED);
            } finally {
                state.warmed();
            }
        }, "gateway-warmup");
        t.setDaemon(true);
        t.start();
        return done;
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public int adminPort() {
        return ((InetSocketAddress) adminListener.localAddress()).getPort();
    }

    /** Open pooled connections to the named upstream, over all event loops. Not for event-loop threads. */
    public int upstreamConnections(String upstream) {
        return upstreams.stream().filter(u -> u.name().equals(upstream)).findFirst()
                .map(pools::openConnections).orElseThrow(() -> new IllegalArgumentException(upstream));
    }

    /** The running split and shadow plan, and the changes to it. */
    public Migration migration() {
        return migration;
    }

    /**
     * Lets {@link #reload(String)} (SIGHUP, a change of the file, {@code POST /admin/reload}) read the
     * configuration again from {@code source}.
     *
     * @param source reads and checks the configuration file; throws {@link ConfigException} when it is bad
     */
    public void reloadFrom(Supplier<GatewayConfig> source) {
        this.reloadSource = source;
    }

    /**
     * Reads the configuration again and applies what may change while running: each route's split and
     * shadow. The new plan is built beside the running one and swapped in at once; connections and
     * requests in flight carry on. A file that does not load, or that changes anything else (which only
     * a restart can apply), is refused as a whole: the running configuration stays, the refusal is logged
     * and counted ({@code gateway_config_reloads_total{result="refused"}}).
     *
     * @param who what asked (SIGHUP, file change, an admin token's name), for the log
     * @return what changed, in words
     * @throws ConfigException the file was refused, with the reason
     * @throws IllegalStateException nothing to reload from ({@link #reloadFrom} was not called)
     */
    public String reload(String who) {
        synchronized (reloading) { // not the gateway's own lock: a file that never reads must not stop a shutdown
            return reloadNow(who);
        }
    }

    private String reloadNow(String who) {
        Supplier<GatewayConfig> source = reloadSource;
        if (source == null) {
            throw new IllegalStateException("this gateway was started without a configuration file to reload");
        }
        try {
            GatewayConfig next = source.get();
            String restart = ConfigDiff.firstDifference(withoutMigrations(running), withoutMigrations(next));
            if (restart != null) {
                throw new ConfigException("setting '" + restart + "' changed, which needs a restart; only routes' "
                        + "split and shadow change while running. Nothing was applied");
            }
            String what;
            try {
                what = migration.reload(next.routes(), who);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
            running = next;
            metrics.migration().reloaded(true);
            LOG.info("configuration reloaded ({}): {}", who, what);
            return what;
        } catch (RuntimeException e) {
            metrics.migration().reloaded(false);
            LOG.error("configuration reload ({}) refused, the running configuration stays: {}", who, e.getMessage());
            throw e instanceof ConfigException ? e : new ConfigException(e.toString());
        }
    }

    private static GatewayConfig withoutMigrations(GatewayConfig c) {
        return c.withRoutes(c.routes().stream().map(r -> r.withMigration(null, null)).toList());
    }

    /** This gateway's series, as {@code /metrics} serves them. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Exchanges in flight right now. */
    public long inFlight() {
        return state.inFlight();
    }

    /**
     * The SIGTERM sequence: {@code /readyz} turns 503 at once; after the drain delay the listener stops
     * accepting and new requests on open connections get 503 {@code DRAINING}; requests in flight get
     * the grace period to finish; then everything closes.
     */
    public synchronized CompletableFuture<Void> shutdown() {
        if (shutdown != null) {
            return shutdown;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        shutdown = done;
        state.startDraining();
        // Its own thread: the sequence waits, and waiting has no place on an event loop.
        Thread t = new Thread(() -> {
            try {
                drain();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "gateway-shutdown");
        t.setDaemon(true);
        t.start();
        return done;
    }

    private void drain() throws InterruptedException {
        Duration delay = config.shutdown().drainDelay();
        LOG.info("shutdown: draining, listener closes in {} ms", delay.toMillis());
        Thread.sleep(delay.toMillis());
        state.refuseRequests();
        listener.close().awaitUninterruptibly();
        // Open connections stay: a request that arrives on one now gets 503 DRAINING and a close,
        // rather than a reset. They are closed when the last exchange in flight ends.
        long graceEnd = System.nanoTime() + config.shutdown().grace().toNanos();
        while (state.inFlight() > 0 && System.nanoTime() - graceEnd < 0) {
            Thread.sleep(10);
        }
        if (state.inFlight() > 0) {
            LOG.warn("shutdown: grace period over with {} requests in flight", state.inFlight());
        }
        close();
    }

    /** Stops at once: closes listeners and connections, stops the loops. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        state.refuseRequests();
        if (tlsFiles != null) {
            tlsFiles.close();
        }
        if (health != null) {
            health.close();
        }
        listener.close().awaitUninterruptibly();
        if (adminListener != null) {
            adminListener.close().awaitUninterruptibly();
        }
        clients.close().awaitUninterruptibly();
        pools.close();
        shadowing.close();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        if (capture != null) {
            capture.close(); // after the loops: every exchange has ended and offered its line
        }
        adminLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        rateLimiter.close();
        if (tracing != null) {
            tracing.close(); // exports what is still queued
        }
        background.shutdownNow();
        reloads.shutdownNow();
        if (!warmUpCopy) {
            LOG.info("gateway stopped");
        }
    }
}
