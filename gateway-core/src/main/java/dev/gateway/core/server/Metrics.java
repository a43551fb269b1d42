package dev.gateway.core.server;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Gauge;
import io.prometheus.client.hotspot.DefaultExports;

/** The process-wide Prometheus registry: {@code up}, and the standard process and JVM series. */
final class Metrics {
    private static final CollectorRegistry REGISTRY = init();

    private Metrics() {
    }

    static CollectorRegistry registry() {
        return REGISTRY;
    }

    private static CollectorRegistry init() {
        CollectorRegistry registry = CollectorRegistry.defaultRegistry;
        DefaultExports.register(registry);
        Gauge.build("up", "Whether the gateway is running (always 1).").register(registry).set(1);
        return registry;
    }
}
