package dev.gateway.core.ratelimit;

import dev.gateway.core.config.GatewayConfig.Bucket;
import dev.gateway.core.config.GatewayConfig.RateLimitConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration's rate classes ({@code trade.read}, {@code trade.write}, …), made once at start and
 * shared by route binding, the limiter and its metrics, so every one of them sees the same classes with
 * the same indexes.
 */
public final class RateClasses {
    private final Map<String, RateClass> byName;
    private final List<RateClass> all;

    private RateClasses(Map<String, RateClass> byName) {
        this.byName = Collections.unmodifiableMap(byName);
        this.all = List.copyOf(byName.values());
    }

    /**
     * @param rateLimits the {@code rateLimits} setting: per upstream, a read and a write bucket, each
     *     {@code null} when not limited
     * @return the classes, indexed 0.. in file order (upstream, then read before write)
     */
    public static RateClasses of(Map<String, RateLimitConfig> rateLimits) {
        Map<String, RateClass> out = new LinkedHashMap<>();
        rateLimits.forEach((upstream, limits) -> {
            add(out, upstream + ".read", limits.read());
            add(out, upstream + ".write", limits.write());
        });
        return new RateClasses(out);
    }

    private static void add(Map<String, RateClass> classes, String name, Bucket bucket) {
        if (bucket != null) { // not limited
            classes.put(name, new RateClass(classes.size(), name, bucket.perSecond(), bucket.burst()));
        }
    }

    /**
     * The class of an upstream's reads ({@code GET}/{@code HEAD}) or writes.
     *
     * @return the class, or {@code null} when those requests are not limited
     */
    public RateClass of(String upstream, boolean read) {
        return byName.get(upstream + (read ? ".read" : ".write"));
    }

    /** Every class, in index order ({@code all().get(i).index() == i}). */
    public List<RateClass> all() {
        return all;
    }

    /** Every class's name, in index order. */
    public List<String> names() {
        return all.stream().map(RateClass::name).toList();
    }

    /** How many classes there are; their indexes run from 0 to this, exclusive. */
    public int size() {
        return all.size();
    }
}
