package dev.gateway.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLayer;
import dev.gateway.core.config.LayeredConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What only the start finds wrong (a route, an operation id, an endpoint) is named, like a load error, in the
 * file of the layer that wrote the setting, with its line.
 */
class StartErrorPlacementTest {
    private static final ConfigLayer BASE = ConfigLayer.yaml("base.yaml",
            "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n"
                    + "upstreams: {trade: {endpoints: ['127.0.0.1:1']}, task: {endpoints: ['127.0.0.1:1']}}\n");

    private static String startError(ConfigLayer... layers) {
        LayeredConfig loaded = LayeredConfig.load(List.of(layers));
        ConfigException e = assertThrows(ConfigException.class, () -> Gateway.start(loaded.config()));
        return loaded.place(e).getMessage();
    }

    @Test
    void aRouteThatLeavesAnOperationUncoveredIsNamedInTheFileThatSetTheRoutes() {
        String m = startError(BASE, ConfigLayer.yaml("routes.yaml", "eventLoops: 1\nroutes:\n"
                + "  - {prefix: /v1/trades, upstream: trade}\n"));
        assertTrue(m.startsWith("routes.yaml:2:1: setting 'routes': operation '") && m.contains("/v1/tasks")
                && m.endsWith("falls under no prefix in 'routes'"), m);
    }

    @Test
    void anOperationTheContractDoesNotHaveIsNamedInItsFile() {
        assertEquals("ops.yaml:2:3: setting 'operations.placeOrder': the contract has no operation of that id",
                startError(BASE, ConfigLayer.yaml("ops.yaml", "operations:\n  placeOrder: {idleTimeout: 1s}\n")));
    }

    @Test
    void aDemoEndpointIsNamedWhereALayerWroteItOrTheNearestMapAboveIt() {
        String demo = "is 'demo' (the in-process demo service), which only the command line (java -jar gateway.jar) "
                + "serves; give host:port";
        assertEquals("more.yaml:2:22: setting 'upstreams.task.endpoints[0]' " + demo,
                startError(BASE, ConfigLayer.yaml("more.yaml", "upstreams:\n  task: {endpoints: [demo]}\n")));
        ConfigLayer tradeOnly = ConfigLayer.yaml("trade.yaml", "listener: {host: 127.0.0.1, port: 0}\n"
                + "admin: {host: 127.0.0.1, port: 0}\nupstreams: {trade: {endpoints: ['127.0.0.1:1']}}\n");
        // Left at the default, under a map a layer writes: that map's line.
        assertEquals("trade.yaml:3:1: setting 'upstreams.task.endpoints[0]' " + demo,
                startError(tradeOnly, ConfigLayer.yaml("loops.yaml", "eventLoops: 1\n")));
        // Under nothing any layer writes: every layer.
        ConfigLayer listeners = ConfigLayer.yaml("listeners.yaml", "listener: {host: 127.0.0.1, port: 0}\n"
                + "admin: {host: 127.0.0.1, port: 0}\n");
        assertEquals("listeners.yaml, loops.yaml: setting 'upstreams.trade.endpoints[0]' " + demo,
                startError(listeners, ConfigLayer.yaml("loops.yaml", "eventLoops: 1\n")));
    }
}
