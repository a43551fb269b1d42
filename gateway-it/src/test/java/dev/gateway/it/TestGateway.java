package dev.gateway.it;

import dev.gateway.cli.DemoGateway;
import dev.gateway.core.config.GatewayConfig;

/**
 * Starts an in-process gateway on free ports with settings merged over the defaults, and over
 * {@link #CREDENTIALS}: requests carry {@code X-API-Key: it-key}, which holds every scope and is not rate
 * limited. Tests of authentication and rate limits set their own. As the command line does, it starts
 * the in-process demo services for the upstreams left at the defaults' {@code demo} endpoint
 * ({@link DemoGateway}); closing the gateway stops them.
 */
final class TestGateway {
    /** The API key {@code it-key} with all four scopes; no rate limits. */
    static final String CREDENTIALS = "auth: {apiKeys: {it: {sha256: "
            + "1ce48051b5830d59881cbf51500faa5f5e9d446050458f760bc96cda647be67e, "
            + "scopes: [trades:read, trades:write, tasks:read, tasks:write]}}}\n"
            + "rateLimits: {trade: ~, task: ~}\n";

    private TestGateway() {
    }

    static DemoGateway start(String yaml) throws InterruptedException {
        return startWithOwnCredentials(CREDENTIALS + yaml);
    }

    /** Without {@link #CREDENTIALS}: {@code yaml} says what {@code auth} and {@code rateLimits} are. */
    static DemoGateway startWithOwnCredentials(String yaml) throws InterruptedException {
        String base = "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n";
        return DemoGateway.start(GatewayConfig.fromYaml(base + yaml, "test config"));
    }

    /** All upstreams pointed at one test upstream. */
    static DemoGateway startWith(TestUpstream upstream, String yaml) throws InterruptedException {
        return startWith(upstream, "", yaml);
    }

    /** As above, with more settings for both upstreams ({@code "responseTimeout: 300ms"}). */
    static DemoGateway startWith(TestUpstream upstream, String upstreamSettings, String yaml) throws InterruptedException {
        String extra = upstreamSettings.isEmpty() ? "" : ", " + upstreamSettings;
        return start("upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]" + extra + "}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]" + extra + "}\n" + yaml);
    }
}
