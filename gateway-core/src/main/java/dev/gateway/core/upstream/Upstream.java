package dev.gateway.core.upstream;

import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import java.util.List;

/** A service behind the gateway (trade, task) and its endpoints. */
public final class Upstream {
    private final int index;
    private final UpstreamConfig config;
    private final List<Endpoint> endpoints;

    public Upstream(int index, UpstreamConfig config, List<Endpoint> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("upstream " + config.name() + " has no endpoints");
        }
        this.index = index;
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
    }

    /** Dense index, for per-loop arrays. */
    public int index() {
        return index;
    }

    public String name() {
        return config.name();
    }

    public UpstreamConfig config() {
        return config;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Ready when at least one endpoint was reachable at the last probe. */
    public boolean up() {
        for (Endpoint e : endpoints) {
            if (e.reachable()) {
                return true;
            }
        }
        return false;
    }
}
