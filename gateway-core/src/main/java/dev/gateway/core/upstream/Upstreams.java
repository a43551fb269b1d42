package dev.gateway.core.upstream;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.HostPort;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.tls.UpstreamTls;
import java.util.ArrayList;
import java.util.List;

/** The configured upstreams and their endpoints, made once at start. */
public final class Upstreams {
    private Upstreams() {
    }

    /**
     * @return one {@link Upstream} per {@code upstreams} entry, in file order, each with its endpoints and,
     *     with {@code tls.enabled}, its TLS client context
     * @throws ConfigException an endpoint that is not {@code host:port}, or still {@code demo} (the
     *     command line replaces those before it starts the gateway); a {@code tls.trustStore} that cannot be
     *     used ({@link UpstreamTls#load})
     */
    public static List<Upstream> fromConfig(GatewayConfig config, GatewayMetrics metrics) {
        List<Upstream> out = new ArrayList<>();
        for (UpstreamConfig u : config.upstreams().values()) {
            List<Endpoint> endpoints = new ArrayList<>();
            for (int i = 0; i < u.endpoints().size(); i++) {
                String e = u.endpoints().get(i);
                String setting = "upstreams." + u.name() + ".endpoints[" + i + "]";
                if (e.equals(GatewayConfig.DEMO_ENDPOINT)) { // the command line resolves it (DemoGateway)
                    throw ConfigException.ofSetting(setting, "is 'demo' (the in-process demo service), which only "
                            + "the command line (java -jar gateway.jar) serves; give host:port");
                }
                HostPort at = HostPort.parse(e, setting);
                endpoints.add(new Endpoint(u.name(), at.host(), at.port(), u.breaker(),
                        metrics.endpoint(u.name(), at.toString())));
            }
            UpstreamTls tls = u.tls() == null ? null : UpstreamTls.load(u.name(), u.tls());
            out.add(new Upstream(out.size(), u, endpoints, metrics.upstream(u.name()), tls));
        }
        return out;
    }
}
