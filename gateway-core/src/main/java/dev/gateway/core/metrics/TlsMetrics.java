package dev.gateway.core.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.GaugeMetricFamily;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * The series of TLS on the public listener: handshakes by protocol and result, reloads of the certificate
 * by result, and when the certificate in use expires (read at scrape time, so a reload shows at once).
 */
public final class TlsMetrics {
    private final Counter handshakes;
    private final Counter reloads;

    TlsMetrics(CollectorRegistry registry, Supplier<Instant> notAfter) {
        this.handshakes = Counter.build("gateway_tls_handshakes_total",
                "TLS handshakes on the public listener, by negotiated protocol (none when it failed) and result.")
                .labelNames("protocol", "result").register(registry);
        this.reloads = Counter.build("gateway_tls_certificate_reloads_total",
                "Reloads of the listener's certificate and key after their files changed, by result (failed: the "
                        + "ones in use stayed).")
                .labelNames("result").register(registry);
        reloads.labels("ok");
        reloads.labels("failed");
        registry.register(new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                return List.of(new GaugeMetricFamily("gateway_tls_certificate_expiry_timestamp_seconds",
                        "When the listener's certificate in use stops being valid (Unix time, seconds).",
                        notAfter.get().getEpochSecond()));
            }
        });
    }

    /**
     * Counts one handshake.
     *
     * @param protocol the negotiated version ({@code TLSv1.3}), or {@code none} when it failed
     * @param ok whether it completed
     */
    public void handshake(String protocol, boolean ok) {
        handshakes.labels(protocol, ok ? "ok" : "failed").inc();
    }

    /** Counts one reload of the certificate and key. */
    public void reloaded(boolean ok) {
        reloads.labels(ok ? "ok" : "failed").inc();
    }
}
