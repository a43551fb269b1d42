package dev.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.AuthConfig;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig.Listener;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.demo.DemoUpstreams;
import dev.gateway.testing.LeakGuard;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How the command line starts a gateway with the demo services its {@code demo} endpoints stand for. */
@ExtendWith(LeakGuard.class)
class DemoGatewayTest {
    private static final Listener LOOPBACK = new Listener("127.0.0.1", 0);
    private static final String LISTENERS = "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n";

    @Test
    void theDemoConfigurationIsTheDefaultsWithTheDemoCredentials() {
        GatewayConfig c = DemoGateway.demoConfig();
        AuthConfig demo = c.auth();
        assertEquals(List.of("demo"), List.copyOf(demo.apiKeys().keySet()));
        assertEquals(List.of("demo"), List.copyOf(demo.hmacKeys().keySet()));
        assertEquals(List.of("gateway-demo"), demo.issuers());
        assertEquals(List.of(GatewayConfig.DEMO_ENDPOINT), c.upstreams().get("trade").endpoints());
        GatewayConfig d = GatewayConfig.defaults();
        assertEquals(d.upstreams(), c.upstreams());
        assertEquals(d.routes(), c.routes());
        assertEquals(d.operations(), c.operations());
        assertEquals(d.rateLimits(), c.rateLimits());
        assertEquals(d.client(), c.client());
        assertEquals(d.logging(), c.logging());
        assertEquals(d.tracing(), c.tracing());
        assertEquals(d.auth().clockSkew(), demo.clockSkew());
        assertEquals("trade-gateway", demo.audience());
    }

    @Test
    void demoEndpointsAreServedByTheDemoServicesWhichStopWithTheGateway() throws Exception {
        int tradePort;
        try (DemoGateway g = DemoGateway.start(DemoGateway.demoConfig().withListeners(LOOPBACK, LOOPBACK))) {
            assertNotNull(g.demo());
            tradePort = g.demo().portOf("trade");
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + g.port() + "/v1/trades/trd_abcdefghij0123456789"))
                    .header("X-API-Key", "demo-key-local-only").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("trd_abcdefghij0123456789"), r.body());
            assertEquals(1, g.demo().connectionsUsed("trade"));
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", tradePort).close());
    }

    @Test
    void onlyTheDemoEntriesAreReplacedEverythingElseIsKept() throws Exception {
        GatewayConfig c = GatewayConfig.fromYaml("upstreams: {trade: {endpoints: ['10.0.0.1:9001', demo], "
                + "responseTimeout: 750ms}}\n", "gw.yaml");
        try (DemoUpstreams demo = DemoUpstreams.start("127.0.0.1", 0, 0)) {
            GatewayConfig r = DemoGateway.resolve(c, demo);
            assertEquals(List.of("10.0.0.1:9001", "127.0.0.1:" + demo.portOf("trade")),
                    r.upstreams().get("trade").endpoints());
            assertEquals(List.of("127.0.0.1:" + demo.portOf("task")), r.upstreams().get("task").endpoints());
            assertEquals(List.copyOf(c.upstreams().keySet()), List.copyOf(r.upstreams().keySet()));
            // the rest of each upstream's settings is untouched
            assertEquals(c.upstreams().get("trade"),
                    r.withEndpoints("trade", c.upstreams().get("trade").endpoints()).upstreams().get("trade"));
            assertEquals(c.routes(), r.routes());
        }
    }

    @Test
    void aDemoEndpointWithoutADemoServiceOfItsNameStopsTheStart() {
        GatewayConfig c = GatewayConfig.fromYaml(LISTENERS + "upstreams: {audit: {endpoints: [demo]}}\n", "gw.yaml");
        String msg = assertThrows(ConfigException.class, () -> DemoGateway.start(c)).getMessage();
        assertEquals("setting 'upstreams.audit.endpoints': there is no demo service named 'audit' (trade, task)", msg);
    }

    @Test
    void withoutDemoEndpointsTheGatewayStartsAlone() throws Exception {
        GatewayConfig c = GatewayConfig.fromYaml(LISTENERS + "upstreams: {trade: {endpoints: ['127.0.0.1:1']}, "
                + "task: {endpoints: ['127.0.0.1:1']}}\n", "gw.yaml");
        try (DemoGateway g = DemoGateway.start(c)) {
            assertNull(g.demo());
            assertTrue(g.port() > 0);
        }
    }
}
