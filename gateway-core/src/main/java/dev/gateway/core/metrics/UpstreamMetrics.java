package dev.gateway.core.metrics;

import io.prometheus.client.Counter;

/** One upstream's series, resolved once when the upstream is made. */
public final class UpstreamMetrics {
    /** For upstreams made outside a gateway (tests, tools). */
    public static final UpstreamMetrics UNCOUNTED = new GatewayMetrics(false).upstream("");

    private final Counter.Child retries;
    private final Counter.Child budgetExhausted;

    UpstreamMetrics(GatewayMetrics m, String upstream) {
        retries = m.retries.labels(upstream);
        budgetExhausted = m.retryBudgetExhausted.labels(upstream);
    }

    public void retried() {
        retries.inc();
    }

    public void retryBudgetExhausted() {
        budgetExhausted.inc();
    }
}
