package dev.gateway.core.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.client.Histogram;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The series of rate limits shared on Redis ({@code rateLimits.store: redis}): decisions by source and
 * result, whether Redis is up, times it was marked down (read at scrape time from a {@link Source}), and
 * the time refills take (observed as they are answered). All are served from the start, at 0.
 */
public final class SharedRateLimitMetrics {
    /** Refills are one small script on a nearby Redis: 100 µs to 1 s (the timeout is 50 ms by default). */
    private static final double[] STORE_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05, 0.1, 0.25, 0.5, 1};

    /** What the shared limiter counts, read at scrape time; every count only grows. */
    public interface Source {
        /** Requests admitted from tokens leased from the shared bucket. */
        long leaseAdmitted();

        /** Requests refused on the shared bucket's word. */
        long leaseRefused();

        /** Requests admitted by the local fallback. */
        long fallbackAdmitted();

        /** Requests refused by the local fallback. */
        long fallbackRefused();

        /** Whether decisions are shared (Redis up). */
        boolean shared();

        /** Times Redis was marked down. */
        long markedDown();
    }

    private SharedRateLimitMetrics() {
    }

    /**
     * Registers the series in {@code registry}.
     *
     * @return what to tell each answered refill's duration, in nanoseconds (cheap, never blocks)
     */
    static LongConsumer register(CollectorRegistry registry, Source s) {
        registry.register(new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                CounterMetricFamily decisions = new CounterMetricFamily("gateway_rate_limit_decisions",
                        "Rate limit decisions of the shared (Redis) limiter, by source (lease: tokens leased from "
                                + "the shared bucket; fallback: the local share) and result.",
                        List.of("source", "result"));
                decisions.addMetric(List.of("lease", "admitted"), s.leaseAdmitted());
                decisions.addMetric(List.of("lease", "refused"), s.leaseRefused());
                decisions.addMetric(List.of("fallback", "admitted"), s.fallbackAdmitted());
                decisions.addMetric(List.of("fallback", "refused"), s.fallbackRefused());
                return List.of(decisions,
                        new GaugeMetricFamily("gateway_rate_limit_store_up",
                                "1 while the rate limits' Redis is up and decisions are shared, else 0.",
                                s.shared() ? 1 : 0),
                        new CounterMetricFamily("gateway_rate_limit_fallbacks",
                                "Times the rate limits' Redis was marked down (a refill failed or timed out).",
                                s.markedDown()));
            }
        });
        Histogram refills = Histogram.build("gateway_rate_limit_store_duration_seconds",
                "Lease refills answered by the rate limits' Redis, from asking to the answer.")
                .buckets(STORE_BUCKETS).register(registry);
        return nanos -> refills.observe(nanos / 1e9);
    }
}
