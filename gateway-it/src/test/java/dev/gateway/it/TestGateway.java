package dev.gateway.it;

import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.server.Gateway;

/** Starts an in-process gateway on free ports with settings merged over the defaults. */
final class TestGateway {
    private TestGateway() {
    }

    static Gateway start(String yaml) throws InterruptedException {
        String base = "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n";
        return Gateway.start(GatewayConfig.fromYaml(base + yaml, "test config"));
    }

    /** All upstreams pointed at one test upstream. */
    static Gateway startWith(TestUpstream upstream, String yaml) throws InterruptedException {
        return startWith(upstream, "", yaml);
    }

    /** As above, with more settings for both upstreams ({@code "responseTimeout: 300ms"}). */
    static Gateway startWith(TestUpstream upstream, String upstreamSettings, String yaml) throws InterruptedException {
        String extra = upstreamSettings.isEmpty() ? "" : ", " + upstreamSettings;
        return start("upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]" + extra + "}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]" + extra + "}\n" + yaml);
    }
}
