package dev.gateway.cli;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLayer;
import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.LayeredConfig;
import dev.gateway.core.server.Gateway;
import dev.gateway.core.server.WarmUp;
import dev.gateway.demo.DemoUpstreams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A gateway and the demo services its configuration names. Every endpoint given as {@code demo}
 * ({@link GatewayConfig#DEMO_ENDPOINT}) stands for the demo service of its upstream's name ({@code trade},
 * {@code task}): {@link #start} starts {@link DemoUpstreams} on loopback first, puts their addresses in
 * place of those endpoints, then starts the {@link Gateway}. A configuration without {@code demo}
 * endpoints starts the gateway alone. Closing stops the gateway, then the demo services.
 *
 * <p>The gateway itself never starts the demo: {@code Gateway.start} refuses a {@code demo} endpoint. The
 * command line ({@link Main}), the archive's training run ({@link ArchiveTraining}) and the tests start
 * gateways through this class.
 */
public final class DemoGateway implements AutoCloseable {
    /**
     * The demo configuration (in-process demo upstreams, the public demo credentials), the layer beneath
     * any {@code --config} file with {@code --demo}, and the whole configuration without {@code --config}.
     */
    static final String DEMO_CONFIG = "gateway-demo.yaml";
    /** The demo's public API key, whose SHA-256 {@code gateway-demo.yaml} holds (README; local use only). */
    static final String DEMO_API_KEY = "demo-key-local-only";
    private static final String LOOPBACK = "127.0.0.1";

    private final Gateway gateway;
    /** {@code null} when no endpoint is {@code demo}. */
    private final DemoUpstreams demo;
    private boolean demoClosed;

    private DemoGateway(Gateway gateway, DemoUpstreams demo) {
        this.gateway = gateway;
        this.demo = demo;
    }

    /**
     * The demo configuration as a layer ({@code gateway-demo.yaml}, bundled in the jar; for local use only):
     * what {@code java -jar gateway.jar --demo} puts beneath the {@code --config} files.
     */
    public static ConfigLayer demoLayer() {
        try (InputStream in = DemoGateway.class.getClassLoader().getResourceAsStream(DEMO_CONFIG)) {
            if (in == null) {
                throw new IllegalStateException(DEMO_CONFIG + " is missing from the class path");
            }
            return ConfigLayer.yaml(DEMO_CONFIG, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEMO_CONFIG, e);
        }
    }

    /**
     * What {@code java -jar gateway.jar} starts with no {@code --config}: the defaults and the demo
     * configuration ({@link #demoLayer}).
     */
    public static GatewayConfig demoConfig() {
        return LayeredConfig.load(List.of(demoLayer())).config();
    }

    /**
     * Starts the demo services when some endpoint is {@code demo}, then the gateway in front of them, and
     * returns once the gateway's listeners are bound.
     *
     * @throws ConfigException as {@link Gateway#start} does, and when a {@code demo} endpoint belongs to
     *         an upstream that has no demo service of its name
     */
    public static DemoGateway start(GatewayConfig config) throws InterruptedException {
        boolean wantsDemo = config.upstreams().values().stream()
                .anyMatch(u -> u.endpoints().contains(GatewayConfig.DEMO_ENDPOINT));
        if (!wantsDemo) {
            return new DemoGateway(Gateway.start(config), null);
        }
        DemoUpstreams demo = DemoUpstreams.start(LOOPBACK, 0, 0);
        try {
            return new DemoGateway(Gateway.start(resolve(config, demo)), demo);
        } catch (RuntimeException | InterruptedException e) {
            demo.close();
            throw e;
        }
    }

    /** The settings with every {@code demo} endpoint replaced by the loopback address of its demo service. */
    static GatewayConfig resolve(GatewayConfig config, DemoUpstreams demo) {
        GatewayConfig resolved = config;
        for (UpstreamConfig u : config.upstreams().values()) {
            if (!u.endpoints().contains(GatewayConfig.DEMO_ENDPOINT)) {
                continue;
            }
            int port = demo.portOf(u.name());
            if (port < 0) {
                throw ConfigException.about("upstreams." + u.name() + ".endpoints", "setting 'upstreams." + u.name()
                        + ".endpoints': there is no demo service named '" + u.name() + "' (trade, task)");
            }
            List<String> endpoints = new ArrayList<>();
            for (String e : u.endpoints()) {
                endpoints.add(e.equals(GatewayConfig.DEMO_ENDPOINT) ? LOOPBACK + ":" + port : e);
            }
            resolved = resolved.withEndpoints(u.name(), endpoints);
        }
        return resolved;
    }

    /**
     * A configuration read again (a reload) with its {@code demo} endpoints resolved as at start, so it
     * compares equal where the file did not change.
     */
    public GatewayConfig resolved(GatewayConfig config) {
        return demo == null ? config : resolve(config, demo);
    }

    /** The gateway itself. */
    public Gateway gateway() {
        return gateway;
    }

    /** The in-process demo services, or {@code null} when every upstream is a real address. */
    public DemoUpstreams demo() {
        return demo;
    }

    /** The public listener's port. */
    public int port() {
        return gateway.port();
    }

    /** The admin listener's port. */
    public int adminPort() {
        return gateway.adminPort();
    }

    /** Open pooled connections to the named upstream ({@link Gateway#upstreamConnections}). */
    public int upstreamConnections(String upstream) {
        return gateway.upstreamConnections(upstream);
    }

    /** The gateway's warm-up ({@link Gateway#warmUp}). */
    public CompletableFuture<WarmUp.Result> warmUp() {
        return gateway.warmUp();
    }

    /** The gateway's drain ({@link Gateway#shutdown}); the demo services stop once it is over. */
    public CompletableFuture<Void> shutdown() {
        return gateway.shutdown().whenComplete((done, failed) -> closeDemo());
    }

    /** Stops at once: the gateway, then the demo services. */
    @Override
    public void close() {
        try {
            gateway.close();
        } finally {
            closeDemo();
        }
    }

    private synchronized void closeDemo() {
        if (demo != null && !demoClosed) {
            demoClosed = true;
            demo.close();
        }
    }
}
