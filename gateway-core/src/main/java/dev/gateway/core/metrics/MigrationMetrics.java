package dev.gateway.core.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.Gauge;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The series of running two stacks side by side: the split, overrides, shadow copies and their
 * comparisons, the SLO guard, run-time changes and configuration reloads. Routes are labelled by their
 * {@code prefix} (the {@code routes} item a split or shadow belongs to), sides by {@code canary} and
 * {@code stable}. Made once per gateway by {@link GatewayMetrics#migration()}.
 */
public final class MigrationMetrics {
    private final Counter splitRequests;
    private final Gauge canaryWeight;
    private final Counter overrides;
    private final Counter shadowRequests;
    private final Counter comparisons;
    private final Counter differences;
    private final Counter guardTrips;
    private final Gauge guardTripped;
    private final Counter changes;
    private final Counter reloads;

    private final CollectorRegistry registry;
    /** Every outcome of a shadow copy, the {@code outcome} label of {@code gateway_shadow_requests_total}. */
    private static final String[] SHADOW_OUTCOMES = {"answered", "failed", "timeout", "abandoned", "skipped_full",
        "skipped_body_too_large", "skipped_write", "skipped_no_endpoint"};

    MigrationMetrics(CollectorRegistry registry) {
        this.registry = registry;
        splitRequests = Counter.build("gateway_split_requests_total",
                "Requests of split routes, by route prefix and the side they went to (canary, stable).")
                .labelNames("prefix", "side").register(registry);
        canaryWeight = Gauge.build("gateway_split_canary_weight_ratio",
                "Share of callers a split route sends to its canary (the route's upstream), 0 to 1.")
                .labelNames("prefix").register(registry);
        overrides = Counter.build("gateway_split_overrides_total",
                "Requests carrying X-Gateway-Target on a split route: honoured (the caller holds the override "
                        + "scope) or ignored.")
                .labelNames("prefix", "result").register(registry);
        shadowRequests = Counter.build("gateway_shadow_requests_total",
                "Shadow copies by route prefix and outcome: answered, failed, timeout, or not sent "
                        + "(skipped_full, skipped_body_too_large, skipped_write, skipped_no_endpoint), abandoned (the primary ended first).")
                .labelNames("prefix", "outcome").register(registry);
        comparisons = Counter.build("gateway_shadow_comparisons_total",
                "Responses compared, by route prefix, kind (candidate: the caller's answer against the shadow's; "
                        + "baseline: two answers of one stack) and result (same, different, not_compared).")
                .labelNames("prefix", "kind", "result").register(registry);
        differences = Counter.build("gateway_shadow_differences_total",
                "Differences reported between the caller's answer and the shadow's, noise removed, by route "
                        + "prefix and what differed (status, header, body).")
                .labelNames("prefix", "kind").register(registry);
        guardTrips = Counter.build("gateway_slo_guard_trips_total",
                "Times the SLO guard set a route's canary weight to 0.").labelNames("prefix").register(registry);
        guardTripped = Gauge.build("gateway_slo_guard_tripped",
                "1 while a route's SLO guard holds its canary weight at 0, waiting for a person to resume.")
                .labelNames("prefix").register(registry);
        changes = Counter.build("gateway_migration_changes_total",
                "Run-time changes of the split and shadow settings, by source (admin, reload, slo_guard) and "
                        + "action.")
                .labelNames("source", "action").register(registry);
        reloads = Counter.build("gateway_config_reloads_total",
                "Configuration reloads (file change, SIGHUP, admin), applied or refused.")
                .labelNames("result").register(registry);
        reloads.labels("applied");
        reloads.labels("refused");
        for (String[] change : new String[][] {{"admin", "weight"}, {"admin", "shadow"}, {"admin", "resume"},
            {"reload", "reload"}, {"slo_guard", "hold"}}) {
            changes.labels(change); // served at 0 from the start
        }
    }

    /**
     * Serves {@code gateway_capture_lines_total{result}}, read at scrape time.
     *
     * @param written lines of captured traffic written so far
     * @param dropped lines dropped because the capture's writer fell behind
     */
    public void countCapturedLines(LongSupplier written, LongSupplier dropped) {
        registry.register(new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                CounterMetricFamily f = new CounterMetricFamily("gateway_capture_lines",
                        "Lines of captured traffic: written, or dropped because the writer fell behind.",
                        List.of("result"));
                f.addMetric(List.of("written"), written.getAsLong());
                f.addMetric(List.of("dropped"), dropped.getAsLong());
                return List.of(f);
            }
        });
    }

    /** @return the counter of requests of the route that went to {@code side} ({@code canary}, {@code stable}) */
    public Counter.Child splitRequests(String prefix, String side) {
        return splitRequests.labels(prefix, side);
    }

    /**
     * A split route's series, made when it gets its split so they are served (at 0) before anything
     * happens: the weight, and the SLO guard's gauge and trips.
     *
     * @param ratio the canary weight, 0 to 1
     */
    public void split(String prefix, double ratio) {
        canaryWeight.labels(prefix).set(ratio);
        guardTrips.labels(prefix);
        guardTripped.labels(prefix);
    }

    /** A route that has no split (any more): its weight is no longer served. */
    public void noSplit(String prefix) {
        canaryWeight.remove(prefix);
    }

    /** A shadowed route's series, made when it gets its shadow so they are served (at 0) before any copy. */
    public void shadow(String prefix) {
        for (String outcome : SHADOW_OUTCOMES) {
            shadowRequests.labels(prefix, outcome);
        }
        for (String kind : new String[] {"candidate", "baseline"}) {
            for (String result : new String[] {"same", "different", "not_compared"}) {
                comparisons.labels(prefix, kind, result);
            }
        }
        for (String kind : new String[] {"status", "header", "body"}) {
            differences.labels(prefix, kind);
        }
    }

    /** @param result {@code honoured} or {@code ignored} */
    public Counter.Child overrides(String prefix, String result) {
        return overrides.labels(prefix, result);
    }

    public Counter.Child shadowRequests(String prefix, String outcome) {
        return shadowRequests.labels(prefix, outcome);
    }

    public Counter.Child comparisons(String prefix, String kind, String result) {
        return comparisons.labels(prefix, kind, result);
    }

    public Counter.Child differences(String prefix, String kind) {
        return differences.labels(prefix, kind);
    }

    public void guardTripped(String prefix, boolean tripped) {
        if (tripped) {
            guardTrips.labels(prefix).inc();
        }
        guardTripped.labels(prefix).set(tripped ? 1 : 0);
    }

    public void changed(String source, String action) {
        changes.labels(source, action).inc();
    }

    /** @param applied whether the new configuration was taken */
    public void reloaded(boolean applied) {
        reloads.labels(applied ? "applied" : "refused").inc();
    }
}
