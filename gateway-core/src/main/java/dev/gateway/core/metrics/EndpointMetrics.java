package dev.gateway.core.metrics;

import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;

/** One upstream endpoint's series, resolved once when the endpoint is made. */
public final class EndpointMetrics {
    /** For endpoints made outside a gateway (tests, tools): counts go to series nobody serves. */
    public static final EndpointMetrics UNCOUNTED = new GatewayMetrics(false).endpoint("", "");

    private final Histogram.Child success;
    private final Histogram.Child failure;
    private final Histogram.Child abandoned;
    private final Counter.Child ejected;
    private final Counter.Child toOpen;
    private final Counter.Child toHalfOpen;
    private final Counter.Child toClosed;

    EndpointMetrics(GatewayMetrics m, String upstream, String endpoint) {
        success = m.attemptDuration.labels(upstream, endpoint, "success");
        failure = m.attemptDuration.labels(upstream, endpoint, "failure");
        abandoned = m.attemptDuration.labels(upstream, endpoint, "abandoned");
        ejected = m.ejections.labels(upstream, endpoint);
        toOpen = m.breakerTransitions.labels(upstream, endpoint, "open");
        toHalfOpen = m.breakerTransitions.labels(upstream, endpoint, "half_open");
        toClosed = m.breakerTransitions.labels(upstream, endpoint, "closed");
    }

    public void attemptSucceeded(long nanos) {
        success.observe(nanos / 1e9);
    }

    public void attemptFailed(long nanos) {
        failure.observe(nanos / 1e9);
    }

    public void attemptAbandoned(long nanos) {
        abandoned.observe(nanos / 1e9);
    }

    public void ejected() {
        ejected.inc();
    }

    public void breakerOpened() {
        toOpen.inc();
    }

    public void breakerHalfOpened() {
        toHalfOpen.inc();
    }

    public void breakerClosed() {
        toClosed.inc();
    }
}
