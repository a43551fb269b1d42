package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.GatewayConfig.RouteConfig;
import dev.gateway.core.config.MigrationConfig.ShadowConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The migration settings: a route's split and shadow, the shadow template, admin tokens, and their mistakes. */
class MigrationConfigTest {
    private static final String LEGACY = "upstreams: {legacy: {endpoints: ['127.0.0.1:8081'], forwardCredentials: true}}\n";

    private static GatewayConfig load(String yaml) {
        return GatewayConfig.fromYaml(yaml, "gw.yaml");
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml)).getMessage();
    }

    private static String routes(String tradeExtra) {
        return "routes:\n  - {prefix: /v1/trades, upstream: trade" + tradeExtra + "}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n";
    }

    @Test
    void byDefaultNothingIsSplitShadowedOrChangeable() {
        GatewayConfig c = GatewayConfig.defaults();
        c.routes().forEach(r -> {
            assertNull(r.split());
            assertNull(r.shadow());
        });
        assertTrue(c.migration().adminTokens().isEmpty());
        assertNull(c.migration().capture().journal().path());
        assertEquals("gateway:target", c.migration().overrideScope());
        assertTrue(!c.upstreams().get("trade").forwardCredentials());
    }

    @Test
    void aSplitIsReadInBasisPointsAndAShadowOverItsTemplate() {
        GatewayConfig c = load(LEGACY + routes(", split: {stable: legacy, canaryWeight: 12.34}, "
                + "shadow: {target: legacy, percent: 5, ignore: [/requestId], arrays: {/items: 'key:id'}}"));
        RouteConfig r = c.routes().get(0);
        assertEquals(1234, r.split().canaryBasisPoints());
        assertEquals("legacy", r.split().stable());
        ShadowConfig s = r.shadow();
        assertEquals(500, s.basisPoints());
        assertEquals(List.of("/requestId"), s.ignore());
        assertEquals(Map.of("/items", "key:id"), s.arrays());
        assertEquals(Duration.ofSeconds(2), s.timeout(), "from shadowDefaults");
        assertEquals(64 * 1024, s.maxBodyBytes());
        assertEquals(List.of("content-type"), s.headers());
        assertTrue(c.upstreams().get("legacy").forwardCredentials());
    }

    @Test
    void theShadowTemplateCanBeChangedForEveryRoute() {
        GatewayConfig c = load(LEGACY + "shadowDefaults: {timeout: 750ms, headers: [Content-Type, ETag]}\n"
                + routes(", shadow: {target: legacy, percent: 1}"));
        assertEquals(Duration.ofMillis(750), c.routes().get(0).shadow().timeout());
        assertEquals(List.of("content-type", "etag"), c.routes().get(0).shadow().headers(), "names in lower case");
    }

    @Test
    void mistakesAreRefusedNamingTheSetting() {
        assertTrue(error(routes(", split: {stable: nowhere, canaryWeight: 5}")).contains("'routes[0].split.stable'"));
        assertTrue(error(routes(", split: {stable: trade, canaryWeight: 5}")).contains("a split needs two stacks"));
        assertTrue(error(LEGACY + routes(", split: {stable: legacy, canaryWeight: 100.5}"))
                .contains("'routes[0].split.canaryWeight' must be between 0"));
        assertTrue(error(LEGACY + routes(", split: {stable: legacy}")).contains("'routes[0].split.canaryWeight'"));
        assertTrue(error(LEGACY + routes(", split: {canaryWeight: 5}")).contains("'routes[0].split.stable' is required"));
        assertTrue(error(LEGACY + routes(", split: {stable: legacy, canaryWeight: 5, weight: 5}"))
                .contains("unknown setting 'routes[0].split.weight'"));
        assertTrue(error(routes(", shadow: {target: nowhere, percent: 5}")).contains("'routes[0].shadow.target'"));
        assertTrue(error(LEGACY + routes(", shadow: {target: legacy, percent: 5, arrays: {/items: sorted}}"))
                .contains("routes[0].shadow"));
        assertTrue(error(LEGACY + routes(", shadow: {target: legacy, percent: 5, ignore: [price]}"))
                .contains("routes[0].shadow"));
        assertTrue(error(LEGACY + routes(", shadow: {target: legacy, percent: 5, timeout: 0s}"))
                .contains("'routes[0].shadow.timeout' must be longer than zero"));
        assertTrue(error("shadowDefaults: {timeout: never}").contains("'shadowDefaults.timeout'"),
                "a template mistake is reported on its own path, even with no shadow using it");
        assertTrue(error("routes:\n  - {prefix: /v1, upstream: trade}\n  - {prefix: /v1, upstream: task}\n")
                .contains("each prefix is one route"));
        assertTrue(error("migration: {adminTokens: {ops: short}}").contains("'migration.adminTokens.ops'"));
        assertEquals("gw.yaml:1:27: setting 'migration.adminTokens.ops' names an environment variable (env:...) "
                + "that is not set", error("migration: {adminTokens: {ops: 'env:GATEWAY_NO_SUCH_VARIABLE_SET'}}"));
        assertTrue(error("migration: {capture: {percent: 101}}").contains("'migration.capture.percent'"));
        assertTrue(error("migration: {sloGuard: {windowsInRow: 0}}").contains("'migration.sloGuard.windowsInRow'"));
    }

    @Test
    void theSameConfigurationComparesEqualAndAChangeIsNamed() {
        GatewayConfig a = load(LEGACY + "migration: {adminTokens: {ops: 0123456789abcdef0123}}\n");
        GatewayConfig b = load(LEGACY + "migration: {adminTokens: {ops: 0123456789abcdef0123}}\n");
        assertNull(ConfigDiff.firstDifference(a, b), "secrets compare by content");
        GatewayConfig c = load("upstreams: {legacy: {endpoints: ['127.0.0.1:8081'], forwardCredentials: true}, "
                + "trade: {responseTimeout: 3s}}\n");
        assertEquals("upstreams.trade.responseTimeout", ConfigDiff.firstDifference(load(LEGACY), c));
        GatewayConfig d = load(LEGACY + "migration: {adminTokens: {ops: 0123456789abcdef0124}}\n");
        assertEquals("migration.adminTokens.ops", ConfigDiff.firstDifference(a, d));
    }
}
