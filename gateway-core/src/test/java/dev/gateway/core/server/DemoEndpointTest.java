package dev.gateway.core.server;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import org.junit.jupiter.api.Test;

/** The gateway starts no demo services: a {@code demo} endpoint nobody resolved stops the start. */
class DemoEndpointTest {
    @Test
    void anUnresolvedDemoEndpointStopsTheStartNamingTheSetting() {
        // trade is given an address; task keeps the defaults' 'demo'
        GatewayConfig c = GatewayConfig.fromYaml("listener: {host: 127.0.0.1, port: 0}\n"
                + "admin: {host: 127.0.0.1, port: 0}\n"
                + "upstreams: {trade: {endpoints: ['127.0.0.1:1']}}\n", "gw.yaml");
        String msg = assertThrows(ConfigException.class, () -> Gateway.start(c)).getMessage();
        assertTrue(msg.startsWith("setting 'upstreams.task.endpoints[0]' is 'demo'"), msg);
    }
}
