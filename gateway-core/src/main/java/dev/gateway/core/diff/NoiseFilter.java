package dev.gateway.core.diff;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Noise cancellation in the manner of Twitter's Diffy: a sample of requests is also sent twice to the
 * reference stack, and what differs between two answers of the same stack (random ids, timestamps) is
 * noise, not a regression. Thread-safe without a lock of its own (concurrent maps and adders), cheap (a
 * comparison costs a map lookup and an increment per field), and memory-bounded.
 *
 * <h2>The rule</h2>
 * Per route, each field is counted by its {@link Difference#noiseKey()}, once per comparison it differs in:
 * {@code c} of {@code C} candidate comparisons (reference against candidate) and {@code b} of {@code B}
 * baseline comparisons (reference against reference). With the rates {@code rc = c / C} and
 * {@code rb = b / B}, a field is <em>reportable</em> when
 * <pre>
 *   rc &gt; rb  and  (rc - rb) / (rc + rb) &gt; relativeThreshold  and  rc - rb &gt; absoluteThreshold
 * </pre>
 * and <em>noise</em> otherwise, once {@code B >= minBaselineSamples} and {@code C >= minCandidateSamples}.
 * This is Diffy's filter ({@code DifferencesFilterFactory} with {@code JoinedField.relativeDifference}
 * and {@code absoluteDifference}), on rates instead of counts because here only a sample of requests gets
 * a baseline comparison; its defaults are Diffy's too: relative 20 % ({@code rc > 1.5 rb}) and absolute
 * 0.03 % of comparisons. A field that differs in every candidate comparison and never in a baseline one
 * is reportable; one that differs as often between two reference answers as between reference and
 * candidate is noise.
 *
 * <p>Until a route has {@code minBaselineSamples} baseline comparisons and {@code minCandidateSamples}
 * candidate comparisons, nothing on it is noise: it is better to report too much than to hide a regression
 * for want of evidence. Counts are never reset; the rates are over the gateway's life.
 *
 * <h2>Bounds</h2>
 * At most {@code maxRoutes} routes and {@code maxKeysPerRoute} keys per route are tracked, the first ones
 * seen. Comparisons on further routes and differences under further keys are only counted (in the
 * snapshot's {@code untrackedComparisons} and a route's {@code untrackedKeys}); an untracked key or route
 * is never noise.
 */
public final class NoiseFilter {
    /** Baseline comparisons a route needs before anything on it is noise. */
    public static final int DEFAULT_MIN_BASELINE_SAMPLES = 20;
    /** Candidate comparisons a route needs before anything on it is noise. */
    public static final int DEFAULT_MIN_CANDIDATE_SAMPLES = 20;
    /** Diffy's default {@code threshold.relative}, 20 %, as a fraction. */
    public static final double DEFAULT_RELATIVE_THRESHOLD = 0.20;
    /** Diffy's default {@code threshold.absolute}, 0.03 %, as a fraction. */
    public static final double DEFAULT_ABSOLUTE_THRESHOLD = 0.0003;
    /** Routes tracked by default. */
    public static final int DEFAULT_MAX_ROUTES = 1_000;
    /** Keys tracked per route by default. */
    public static final int DEFAULT_MAX_KEYS_PER_ROUTE = 1_000;

    private final int minBaselineSamples;
    private final int minCandidateSamples;
    private final double relativeThreshold;
    private final double absoluteThreshold;
    private final int maxRoutes;
    private final int maxKeysPerRoute;

    private final ConcurrentHashMap<String, RouteCounts> routes = new ConcurrentHashMap<>();
    private final AtomicInteger routeSlots = new AtomicInteger();
    private final LongAdder untrackedComparisons = new LongAdder();

    /** A filter with the defaults above. */
    public NoiseFilter() {
        this(DEFAULT_MIN_BASELINE_SAMPLES, DEFAULT_MIN_CANDIDATE_SAMPLES, DEFAULT_RELATIVE_THRESHOLD,
                DEFAULT_ABSOLUTE_THRESHOLD, DEFAULT_MAX_ROUTES, DEFAULT_MAX_KEYS_PER_ROUTE);
    }

    /**
     * @param minBaselineSamples baseline comparisons a route needs before anything on it is noise, at least 1
     * @param minCandidateSamples candidate comparisons a route needs before anything on it is noise, at least 1
     * @param relativeThreshold the relative difference a field's rates must exceed, a fraction in [0, 1)
     * @param absoluteThreshold the margin by which its candidate rate must exceed its baseline rate, a
     *        fraction in [0, 1)
     * @param maxRoutes routes tracked, at least 1
     * @param maxKeysPerRoute keys tracked per route, at least 1
     * @throws IllegalArgumentException for a value out of range
     */
    public NoiseFilter(int minBaselineSamples, int minCandidateSamples, double relativeThreshold,
            double absoluteThreshold, int maxRoutes, int maxKeysPerRoute) {
        if (minBaselineSamples < 1 || minCandidateSamples < 1 || maxRoutes < 1 || maxKeysPerRoute < 1) {
            throw new IllegalArgumentException("sample minimums and bounds are at least 1");
        }
        if (!(relativeThreshold >= 0 && relativeThreshold < 1) || !(absoluteThreshold >= 0 && absoluteThreshold < 1)) {
            throw new IllegalArgumentException("thresholds are fractions in [0, 1)");
        }
        this.minBaselineSamples = minBaselineSamples;
        this.minCandidateSamples = minCandidateSamples;
        this.relativeThreshold = relativeThreshold;
        this.absoluteThreshold = absoluteThreshold;
        this.maxRoutes = maxRoutes;
        this.maxKeysPerRoute = maxKeysPerRoute;
    }

    /**
     * Counts one reference-against-candidate comparison.
     *
     * @param route the route template the request matched
     * @param diffs everything {@link ResponseDiffer#diff} found, before filtering (may be empty)
     */
    public void recordCandidate(String route, List<Difference> diffs) {
        record(route, diffs, false);
    }

    /**
     * Counts one reference-against-reference comparison (the same request answered twice by the reference).
     *
     * @param route the route template the request matched
     * @param diffs everything {@link ResponseDiffer#diff} found (may be empty)
     */
    public void recordBaseline(String route, List<Difference> diffs) {
        record(route, diffs, true);
    }

    private void record(String route, List<Difference> diffs, boolean baseline) {
        RouteCounts counts = route(route, true);
        if (counts == null) {
            untrackedComparisons.increment();
            return;
        }
        Set<String> keys = new HashSet<>();
        for (Difference difference : diffs) {
            keys.add(difference.noiseKey()); // once per comparison, however many elements differ in it
        }
        for (String key : keys) {
            KeyCounts field = counts.key(key, maxKeysPerRoute);
            if (field == null) {
                counts.untrackedKeys.increment();
            } else {
                (baseline ? field.baseline : field.candidate).increment();
            }
        }
        // after the keys, without a lock: a reader in between sees a rate one comparison high (clamped to 1)
        (baseline ? counts.baseline : counts.candidate).increment();
    }

    /**
     * @param route the route template
     * @param noiseKey a {@link Difference#noiseKey()}
     * @return whether differences under this key on this route are noise by the rule above
     */
    public boolean isNoise(String route, String noiseKey) {
        RouteCounts counts = route(route, false);
        if (counts == null) {
            return false;
        }
        KeyCounts key = counts.keys.get(noiseKey);
        return key != null && verdict(counts, key).noise;
    }

    /**
     * @param route the route template
     * @param diffs differences of one candidate comparison
     * @return those that are not noise, in their order
     */
    public List<Difference> reportable(String route, List<Difference> diffs) {
        RouteCounts counts = route(route, false);
        if (counts == null) {
            return List.copyOf(diffs);
        }
        List<Difference> out = new ArrayList<>(diffs.size());
        for (Difference difference : diffs) {
            KeyCounts key = counts.keys.get(difference.noiseKey());
            if (key == null || !verdict(counts, key).noise) {
                out.add(difference);
            }
        }
        return List.copyOf(out);
    }

    /**
     * A read-only picture for an admin endpoint:
     * <pre>
     * {"minBaselineSamples": 20, "minCandidateSamples": 20, "relativeThreshold": 0.2,
     *  "absoluteThreshold": 0.0003, "untrackedComparisons": 0,
     *  "routes": {"/trades/{id}": {"candidateComparisons": 120, "baselineComparisons": 24, "untrackedKeys": 0,
     *    "keys": {"BODY:/requestId": {"candidate": 120, "baseline": 24, "candidateRate": 1.0,
     *      "baselineRate": 1.0, "noise": true}}}}}
     * </pre>
     * Routes and keys are sorted by name. Counters are read one by one while others may write: a snapshot
     * is consistent per counter, not across counters.
     *
     * @return a new object each call
     */
    public ObjectNode snapshot() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode out = nodes.objectNode();
        out.put("minBaselineSamples", minBaselineSamples);
        out.put("minCandidateSamples", minCandidateSamples);
        out.put("relativeThreshold", relativeThreshold);
        out.put("absoluteThreshold", absoluteThreshold);
        out.put("untrackedComparisons", untrackedComparisons.sum());
        ObjectNode routesOut = out.putObject("routes");
        for (Map.Entry<String, RouteCounts> route : new TreeMap<>(routes).entrySet()) {
            RouteCounts counts = route.getValue();
            ObjectNode routeOut = routesOut.putObject(route.getKey());
            routeOut.put("candidateComparisons", counts.candidate.sum());
            routeOut.put("baselineComparisons", counts.baseline.sum());
            routeOut.put("untrackedKeys", counts.untrackedKeys.sum());
            ObjectNode keysOut = routeOut.putObject("keys");
            for (Map.Entry<String, KeyCounts> key : new TreeMap<>(counts.keys).entrySet()) {
                Verdict verdict = verdict(counts, key.getValue());
                ObjectNode keyOut = keysOut.putObject(key.getKey());
                keyOut.put("candidate", verdict.candidateCount);
                keyOut.put("baseline", verdict.baselineCount);
                keyOut.put("candidateRate", verdict.candidateRate);
                keyOut.put("baselineRate", verdict.baselineRate);
                keyOut.put("noise", verdict.noise);
            }
        }
        return out;
    }

    private Verdict verdict(RouteCounts route, KeyCounts key) {
        long candidates = route.candidate.sum();
        long baselines = route.baseline.sum();
        long c = key.candidate.sum();
        long b = key.baseline.sum();
        double rc = candidates == 0 ? 0 : Math.min(1.0, (double) c / candidates);
        double rb = baselines == 0 ? 0 : Math.min(1.0, (double) b / baselines);
        boolean enough = baselines >= minBaselineSamples && candidates >= minCandidateSamples;
        boolean reportable = rc > rb && (rc - rb) / (rc + rb) > relativeThreshold && rc - rb > absoluteThreshold;
        return new Verdict(c, b, rc, rb, enough && !reportable);
    }

    private RouteCounts route(String route, boolean create) {
        RouteCounts counts = routes.get(route);
        if (counts != null || !create) {
            return counts;
        }
        return routes.computeIfAbsent(route, r -> reserve(routeSlots, maxRoutes) ? new RouteCounts() : null);
    }

    /** Takes one of {@code max} slots, or says there is none left. */
    private static boolean reserve(AtomicInteger slots, int max) {
        int taken;
        do {
            taken = slots.get();
            if (taken >= max) {
                return false;
            }
        } while (!slots.compareAndSet(taken, taken + 1));
        return true;
    }

    private record Verdict(long candidateCount, long baselineCount, double candidateRate, double baselineRate,
            boolean noise) {
    }

    private static final class RouteCounts {
        final LongAdder candidate = new LongAdder();
        final LongAdder baseline = new LongAdder();
        final LongAdder untrackedKeys = new LongAdder();
        final ConcurrentHashMap<String, KeyCounts> keys = new ConcurrentHashMap<>();
        final AtomicInteger keySlots = new AtomicInteger();

        KeyCounts key(String key, int max) {
            KeyCounts counts = keys.get(key);
            if (counts != null) {
                return counts;
            }
            return keys.computeIfAbsent(key, k -> reserve(keySlots, max) ? new KeyCounts() : null);
        }
    }

    private static final class KeyCounts {
        final LongAdder candidate = new LongAdder();
        final LongAdder baseline = new LongAdder();
    }
}
