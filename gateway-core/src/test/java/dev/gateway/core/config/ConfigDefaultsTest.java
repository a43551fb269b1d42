package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.GatewayConfig.Allocator;
import dev.gateway.core.config.GatewayConfig.BreakerConfig;
import dev.gateway.core.config.GatewayConfig.EjectionConfig;
import dev.gateway.core.config.GatewayConfig.HealthCheckConfig;
import dev.gateway.core.config.GatewayConfig.LogLevel;
import dev.gateway.core.config.GatewayConfig.ResponseValidation;
import dev.gateway.core.config.GatewayConfig.RetryConfig;
import dev.gateway.core.config.GatewayConfig.RouteConfig;
import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** gateway-defaults.yaml as the only source of defaults: its values, its templates, and no Java fallbacks. */
class ConfigDefaultsTest {
    /** What a new upstream named only by its endpoints got from the Java fallbacks before the template. */
    private static UpstreamConfig templateUpstream(String name, List<String> endpoints) {
        return new UpstreamConfig(name, endpoints, Duration.ofSeconds(1), Duration.ofSeconds(5), 1024, 1024, 1024,
                Duration.ofSeconds(30), new HealthCheckConfig(null, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3),
                new BreakerConfig(50, 20, Duration.ofSeconds(10), Duration.ofSeconds(5), 3),
                new EjectionConfig(5, Duration.ofSeconds(10), Duration.ofMinutes(5), 50), new RetryConfig(2, 20, 3), false,
                null);
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> GatewayConfig.fromYaml(yaml, "gw.yaml")).getMessage();
    }

    @Test
    void http2IsOnlyOnWhenEnabledAndItsSettingsKeepToRfc9113() {
        GatewayConfig off = GatewayConfig.fromYaml("listener: {http2: {enabled: false}}", "gw.yaml");
        assertNull(off.listener().http2());
        GatewayConfig set = GatewayConfig.fromYaml("listener: {http2: {maxConcurrentStreams: 8, initialStreamWindow: "
                + "1MiB, connectionWindow: 8MiB, maxHeaderListSize: 16KiB, maxFrameSize: 1MiB}}", "gw.yaml");
        assertEquals(new GatewayConfig.Http2Config(8, 1 << 20, 16 << 10, 1 << 20, 8 << 20), set.listener().http2());
        assertTrue(error("listener: {http2: {maxFrameSize: 8KiB}}").contains("listener.http2.maxFrameSize"));
        assertTrue(error("listener: {http2: {maxFrameSize: 16MiB}}").contains("listener.http2.maxFrameSize"));
        assertTrue(error("listener: {http2: {initialStreamWindow: 2GiB}}").contains("listener.http2.initialStreamWindow"));
        assertTrue(error("listener: {http2: {connectionWindow: 1KiB}}").contains("listener.http2.connectionWindow"));
        assertTrue(error("listener: {http2: {maxConcurrentStreams: 0}}").contains("listener.http2.maxConcurrentStreams"));
        assertTrue(error("listener: {http2: {windows: 1}}").contains("listener.http2.windows"));
    }

    @Test
    void theBundledDefaultsGiveTheDocumentedValues() {
        GatewayConfig c = GatewayConfig.defaults();
        assertEquals(new GatewayConfig.Listener("0.0.0.0", 8080, null,
                new GatewayConfig.Http2Config(100, 64 << 10, 32 << 10, 16 << 10, 1 << 20)), c.listener());
        assertNull(c.contract());
        assertEquals(0, c.eventLoops());
        assertEquals(Allocator.POOLED, c.allocator());
        assertEquals(1 << 20, c.client().maxJsonBodyBytes());
        assertEquals(256L << 20, c.client().maxBodyBytes());
        assertEquals(10_000, c.client().maxConnections());
        UpstreamConfig trade = c.upstreams().get("trade");
        UpstreamConfig task = c.upstreams().get("task");
        assertEquals(Duration.ofSeconds(2), trade.responseTimeout());
        assertEquals(Duration.ofSeconds(5), task.responseTimeout());
        // Apart from trade's response timeout, both are the template exactly.
        assertEquals(templateUpstream("task", List.of("demo")), task);
        assertEquals(new BreakerConfig(50, 20, Duration.ofSeconds(10), Duration.ofSeconds(5), 3), trade.breaker());
        assertEquals(new RetryConfig(2, 20, 3), trade.retries());
        assertEquals(List.of(new RouteConfig("/v1/trades", "trade", ResponseValidation.OFF, Duration.ofSeconds(5)),
                new RouteConfig("/v1/tasks", "task", ResponseValidation.OFF, Duration.ofSeconds(10))), c.routes());
        GatewayConfig.OperationConfig batch = c.operations().get("placeTradeBatch");
        assertEquals(8L << 20, batch.maxBodyBytes());
        assertNull(batch.responseTimeout());
        assertNull(batch.idleTimeout());
        assertNull(batch.responseValidation());
        assertEquals(Duration.ofSeconds(30), c.operations().get("uploadArtifact").idleTimeout());
        assertEquals(Duration.ofMinutes(5), c.auth().jwksRefresh());
        assertEquals(Duration.ofMinutes(1), c.auth().jwksMinRefresh());
        assertEquals(10_000, c.auth().tokenCacheSize());
        assertNull(c.auth().audience());
        assertEquals(LogLevel.INFO, c.logging().level());
        assertEquals(Duration.ofSeconds(10), c.tracing().exportTimeout());
        assertEquals(Duration.ofSeconds(5), c.tracing().scheduleDelay());
        assertEquals(2048, c.tracing().maxQueueSize());
        assertEquals(new GatewayConfig.WarmupConfig(true, 20_000, Duration.ofSeconds(3)), c.warmup());
    }

    @Test
    void aNewUpstreamGivenOnlyEndpointsGetsTheTemplate() {
        GatewayConfig c = GatewayConfig.fromYaml("upstreams: {pricing: {endpoints: ['10.0.0.9:9000']}}", "gw.yaml");
        assertEquals(templateUpstream("pricing", List.of("10.0.0.9:9000")), c.upstreams().get("pricing"));
        assertTrue(error("upstreams: {pricing: {connectTimeout: 2s}}").contains(
                "setting 'upstreams.pricing.endpoints' needs at least one host:port"));
    }

    @Test
    void overridingOneNestedKeyKeepsTheTemplatesOthers() {
        GatewayConfig c = GatewayConfig.fromYaml("upstreams: {pricing: {endpoints: ['10.0.0.9:9000'], "
                + "breaker: {minimumCalls: 40}, healthCheck: {path: /health}}}", "gw.yaml");
        UpstreamConfig pricing = c.upstreams().get("pricing");
        assertEquals(new BreakerConfig(50, 40, Duration.ofSeconds(10), Duration.ofSeconds(5), 3), pricing.breaker());
        assertEquals(new HealthCheckConfig("/health", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3),
                pricing.healthCheck());
        assertEquals(Duration.ofSeconds(5), pricing.responseTimeout());

        // A user file may change the template itself: every upstream follows unless it sets the key.
        GatewayConfig t = GatewayConfig.fromYaml("upstreamDefaults: {responseTimeout: 3s, breaker: {openDelay: 1s}}\n"
                + "upstreams: {pricing: {endpoints: ['10.0.0.9:9000']}}", "gw.yaml");
        assertEquals(Duration.ofSeconds(2), t.upstreams().get("trade").responseTimeout());
        assertEquals(Duration.ofSeconds(3), t.upstreams().get("task").responseTimeout());
        assertEquals(Duration.ofSeconds(3), t.upstreams().get("pricing").responseTimeout());
        for (UpstreamConfig u : t.upstreams().values()) {
            assertEquals(new BreakerConfig(50, 20, Duration.ofSeconds(10), Duration.ofSeconds(1), 3), u.breaker());
        }
        assertTrue(error("upstreams: {pricing: {endpoints: ['10.0.0.9:9000'], breaker: {minimumCall: 4}}}")
                .contains("unknown setting 'upstreams.pricing.breaker.minimumCall'"));
    }

    @Test
    void aRouteGivenOnlyPrefixAndUpstreamGetsRouteDefaults() {
        GatewayConfig c = GatewayConfig.fromYaml("routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade}\n"
                + "  - {prefix: /v1/tasks, upstream: task, responseValidation: enforce}\n", "gw.yaml");
        assertEquals(List.of(new RouteConfig("/v1/trades", "trade", ResponseValidation.OFF, Duration.ofSeconds(10)),
                new RouteConfig("/v1/tasks", "task", ResponseValidation.ENFORCE, Duration.ofSeconds(10))), c.routes());
        GatewayConfig logged = GatewayConfig.fromYaml("routeDefaults: {responseValidation: log}", "gw.yaml");
        assertEquals(List.of(new RouteConfig("/v1/trades", "trade", ResponseValidation.LOG, Duration.ofSeconds(5)),
                new RouteConfig("/v1/tasks", "task", ResponseValidation.LOG, Duration.ofSeconds(10))), logged.routes());
        assertTrue(error("routes: [{upstream: trade}]").contains("setting 'routes[0].prefix' is required"));
    }

    @Test
    void modesAreParsedAtLoadAndABadOneIsRefusedNamingSettingLineAndAcceptedValues() {
        // The value itself is never repeated: the line and column point at it.
        assertEquals("gw.yaml:1:48: setting 'routes[0].responseValidation' must be one of off, log, enforce "
                + "(in lower case)", error("routes: [{prefix: /v1/trades, upstream: trade, responseValidation: strict}]"));
        assertEquals("gw.yaml:1:25: setting 'operations.getTrade.responseValidation' must be one of off, log, "
                + "enforce (in lower case)", error("operations: {getTrade: {responseValidation: true}}"));
        assertEquals("gw.yaml:1:1: setting 'allocator' must be one of pooled, adaptive (in lower case)",
                error("allocator: fancy"));
        assertEquals("gw.yaml:1:11: setting 'logging.level' must be one of trace, debug, info, warn, error, off",
                error("logging: {level: loud}"));
        // Modes are written in lower case, as they always were; only the log level takes any case, as log4j does.
        assertEquals("gw.yaml:1:25: setting 'operations.getTrade.responseValidation' must be one of off, log, "
                + "enforce (in lower case)", error("operations: {getTrade: {responseValidation: ENFORCE}}"));
        assertEquals("gw.yaml:1:1: setting 'allocator' must be one of pooled, adaptive (in lower case)",
                error("allocator: POOLED"));
        GatewayConfig c = GatewayConfig.fromYaml("allocator: adaptive\nlogging: {level: WARN}\n"
                + "operations: {getTrade: {responseValidation: enforce}, getTask: {responseValidation: off}}", "gw.yaml");
        assertEquals(Allocator.ADAPTIVE, c.allocator());
        assertEquals(LogLevel.WARN, c.logging().level());
        assertEquals(ResponseValidation.ENFORCE, c.operations().get("getTrade").responseValidation());
        assertEquals(ResponseValidation.OFF, c.operations().get("getTask").responseValidation()); // YAML's false
        assertEquals(LogLevel.OFF, GatewayConfig.fromYaml("logging: {level: off}", "gw.yaml").logging().level());
    }

    @Test
    void aNamedMapSetToNullHasNoEntries() {
        GatewayConfig c = GatewayConfig.fromYaml("rateLimits: ~\noperations: ~\nauth: {apiKeys: ~, hmacKeys: ~}",
                "gw.yaml");
        assertTrue(c.rateLimits().isEmpty());
        assertTrue(c.operations().isEmpty());
        assertTrue(c.auth().apiKeys().isEmpty());
        assertTrue(c.auth().hmacKeys().isEmpty());
        assertEquals("gw.yaml:1:10: setting 'client.maxBody' is missing: gateway-defaults.yaml must give every setting a "
                + "value (directly or through a template) and ~ cannot remove one", error("client: {maxBody: ~}"));
    }

    @Test
    void aMistakeInATemplateIsReportedAtTheTemplateEvenWhenNoEntryUsesIt() {
        assertTrue(error("upstreamDefaults: {conectTimeout: 1s}").contains("unknown setting 'upstreamDefaults.conectTimeout'"),
                error("upstreamDefaults: {conectTimeout: 1s}"));
        assertTrue(error("upstreamDefaults: {breaker: {window: soon}}").contains("'upstreamDefaults.breaker.window'"),
                error("upstreamDefaults: {breaker: {window: soon}}"));
        assertTrue(error("routeDefaults: {totalTimout: 1s}").contains("unknown setting 'routeDefaults.totalTimout'"),
                error("routeDefaults: {totalTimout: 1s}"));
        assertTrue(error("upstreams: ~\nroutes: []\nupstreamDefaults: {retries: {maxRetries: many}}")
                .contains("'upstreamDefaults.retries.maxRetries'"));
    }

    @Test
    void aSettingMissingFromTheDefaultsStopsTheLoadInsteadOfTakingAValue() {
        ObjectNode defaults = GatewayConfig.loadDefaults();
        ((ObjectNode) defaults.get("upstreamDefaults")).remove("connectTimeout");
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromTree(defaults));
        assertTrue(e.getMessage().startsWith("setting 'upstreamDefaults.connectTimeout' is missing: "
                + "gateway-defaults.yaml must give every setting a value"), e.getMessage());
        // Removing a setting with ~ is refused the same way (only named entries can be removed).
        assertTrue(error("client: {maxBody: ~}").contains("setting 'client.maxBody' is missing"));
    }

    /**
     * Every setting of the defaults file outside the named entries is needed: removing any one of them must
     * stop the load naming it. A Java fallback value creeping back in would make one of these pass silently.
     * (Inside upstreams, routes, operations and rateLimits a removed key falls back to a template or means
     * "not overridden" / "not limited" by design.)
     */
    @Test
    void everySettingOfTheDefaultsFileIsRequired() {
        List<List<String>> leaves = new ArrayList<>();
        collectLeaves(GatewayConfig.loadDefaults(), new ArrayList<>(), leaves);
        assertTrue(leaves.size() > 60, "found only " + leaves.size() + " settings");
        for (List<String> leaf : leaves) {
            ObjectNode defaults = GatewayConfig.loadDefaults();
            JsonNode parent = defaults;
            for (String key : leaf.subList(0, leaf.size() - 1)) {
                parent = parent.get(key);
            }
            String key = leaf.get(leaf.size() - 1);
            if (parent.get(key).isObject()) {
                continue; // an empty map of named entries (auth.apiKeys: {}): none is as good as ~
            }
            ((ObjectNode) parent).remove(key);
            String setting = String.join(".", leaf);
            ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromTree(defaults),
                    "the load went on without " + setting);
            assertTrue(e.getMessage().contains(key + "'"), setting + ": " + e.getMessage());
        }
    }

    private static void collectLeaves(JsonNode node, List<String> path, List<List<String>> out) {
        if (!node.isObject() || node.isEmpty()) {
            out.add(List.copyOf(path));
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (path.isEmpty() && Set.of("upstreams", "routes", "operations", "rateLimits").contains(e.getKey())) {
                continue;
            }
            path.add(e.getKey());
            collectLeaves(e.getValue(), path, out);
            path.remove(path.size() - 1);
        }
    }
}
