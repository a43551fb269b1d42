package dev.gateway.core.split;

import dev.gateway.core.auth.Principal;
import dev.gateway.core.config.GatewayConfig.RouteConfig;
import dev.gateway.core.metrics.MigrationMetrics;
import dev.gateway.core.upstream.Upstream;
import io.prometheus.client.Counter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running migration: the current {@link MigrationPlan}, read by every request with one volatile
 * read, and every change to it. A change builds a new plan beside the old one and publishes it with one
 * volatile write before the call returns, so each request dispatched after that, on any event loop and
 * on connections already open, reads the new plan: a rollback takes effect at once, not within a
 * polling interval. Changes come from the admin API, a configuration reload and the SLO guard; each is
 * serialised here, logged with its source, who made it and what it changed, and counted.
 *
 * <p>A route the SLO guard holds stays at canary weight 0 through admin changes and reloads until a
 * person resumes it.
 */
public final class Migration {
    private static final Logger LOG = LogManager.getLogger(Migration.class);

    private volatile MigrationPlan plan;
    private final Map<String, Upstream> upstreams;
    private final String overrideScope;
    private final MigrationMetrics metrics;
    /** Per route: requests sent to the canary [0] and the stable [1]; override honoured [2] and ignored [3]. */
    private final Counter.Child[][] counts;
    /** Prefixes the SLO guard holds at weight 0 (guarded by {@code this}). */
    private final Set<String> held = new HashSet<>();
    /** Tells the SLO guard a person resumed a route, so its windows start afresh. */
    private Consumer<String> onResume = prefix -> { };

    /**
     * @param routes the {@code routes} items, in order
     * @param upstreams every upstream by name
     * @param overrideScope the scope a caller needs for {@link RouteSplit#OVERRIDE_HEADER} to be honoured
     */
    public Migration(List<RouteConfig> routes, Map<String, Upstream> upstreams, String overrideScope,
            MigrationMetrics metrics) {
        this.upstreams = Map.copyOf(upstreams);
        this.overrideScope = overrideScope;
        this.metrics = metrics;
        this.counts = new Counter.Child[routes.size()][];
        for (int i = 0; i < routes.size(); i++) {
            String p = routes.get(i).prefix();
            counts[i] = new Counter.Child[] {metrics.splitRequests(p, "canary"), metrics.splitRequests(p, "stable"),
                metrics.overrides(p, "honoured"), metrics.overrides(p, "ignored")};
        }
        publish(MigrationPlan.of(routes, this.upstreams));
    }

    /** The plan now: one volatile read. */
    public MigrationPlan plan() {
        return plan;
    }

    /**
     * Where one request of a split route goes: the side its caller's bucket falls on, unless a caller
     * holding the override scope pinned one with {@link RouteSplit#OVERRIDE_HEADER}. Counted. Called on
     * event loops: no locks, no allocation but the caller's identity.
     *
     * @param route the route's index
     * @param override the header's value, or {@code null}
     */
    public Side choose(int route, RouteSplit split, Principal caller, String clientAddress, String override) {
        Side side = null;
        if (override != null) {
            side = RouteSplit.pinned(override, caller, overrideScope);
            counts[route][side != null ? 2 : 3].inc();
        }
        if (side == null) {
            side = split.side(caller, clientAddress);
        }
        counts[route][side == Side.CANARY ? 0 : 1].inc();
        return side;
    }

    /**
     * Sets the canary weight of one split route, or of every split route.
     *
     * @param prefix the route, or {@code null} for all split routes
     * @param basisPoints 0 (everyone on the stable) to 10,000 (everyone on the canary)
     * @param source {@code admin}, {@code reload} or {@code slo_guard}
     * @param who the person or token name, for the log
     * @return what changed, in words
     * @throws IllegalArgumentException an unknown route, a route without a split, a weight out of range, or
     *     a raise on a route the SLO guard holds
     */
    public synchronized String setCanaryWeight(String prefix, int basisPoints, String source, String who) {
        if (basisPoints < 0 || basisPoints > CallerBuckets.BUCKETS) {
            throw new IllegalArgumentException("canaryWeight must be 0 to 100 (percent), got " + basisPoints / 100.0);
        }
        MigrationPlan next = plan;
        List<String> changed = new ArrayList<>();
        for (int i : routesOf(prefix, true)) {
            RouteMigration r = next.route(i);
            if (basisPoints > 0 && held.contains(r.prefix())) {
                throw new IllegalArgumentException("route " + r.prefix() + " is held at canary weight 0 by the SLO "
                        + "guard; resume it first (POST /admin/migration/resume)");
            }
            if (r.split().canaryBasisPoints() != basisPoints) {
                changed.add(r.prefix() + " canaryWeight " + r.split().canaryBasisPoints() / 100.0 + " -> "
                        + basisPoints / 100.0);
                next = next.with(i, r.withSplit(r.split().withWeight(basisPoints)));
            }
        }
        return commit(next, changed, source, who, "weight");
    }

    /** Every split route to canary weight 0: all callers back on the stable target. */
    public String rollback(String source, String who) {
        return setCanaryWeight(null, 0, source, who);
    }

    /**
     * Sets the share of a route's requests copied to its shadow target.
     *
     * @param basisPoints 0 to 10,000
     * @throws IllegalArgumentException an unknown route, one without a shadow, or a share out of range
     */
    public synchronized String setShadowShare(String prefix, int basisPoints, String source, String who) {
        if (basisPoints < 0 || basisPoints > CallerBuckets.BUCKETS) {
            throw new IllegalArgumentException("percent must be 0 to 100, got " + basisPoints / 100.0);
        }
        MigrationPlan next = plan;
        List<String> changed = new ArrayList<>();
        for (int i : routesOf(prefix, false)) {
            RouteMigration r = next.route(i);
            if (r.shadow().basisPoints() != basisPoints) {
                changed.add(r.prefix() + " shadow percent " + r.shadow().basisPoints() / 100.0 + " -> "
                        + basisPoints / 100.0);
                next = next.with(i, r.withShadow(r.shadow().withShare(basisPoints), r.shadowTarget()));
            }
        }
        return commit(next, changed, source, who, "shadow");
    }

    /**
     * Takes the split and shadow of a reloaded configuration's routes. The routes themselves (prefixes
     * and their upstreams) are bound at start and must be the same; routes the SLO guard holds stay at 0.
     *
     * @throws IllegalArgumentException the routes differ in anything but their split and shadow
     */
    public synchronized String reload(List<RouteConfig> routes, String who) {
        List<RouteMigration> now = plan.routes();
        if (routes.size() != now.size()) {
            throw new IllegalArgumentException("'routes' has " + routes.size() + " items, the running gateway "
                    + now.size() + ": changing routes needs a restart");
        }
        for (int i = 0; i < routes.size(); i++) {
            if (!routes.get(i).prefix().equals(now.get(i).prefix())
                    || !routes.get(i).upstream().equals(now.get(i).upstream().name())) {
                throw new IllegalArgumentException("routes[" + i + "] is " + routes.get(i).prefix() + " -> "
                        + routes.get(i).upstream() + ", the running gateway's " + now.get(i).prefix() + " -> "
                        + now.get(i).upstream().name() + ": changing routes needs a restart");
            }
        }
        MigrationPlan next = MigrationPlan.of(routes, upstreams);
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            RouteMigration r = next.route(i);
            if (r.split() != null && held.contains(r.prefix()) && r.split().canaryBasisPoints() > 0) {
                next = next.with(i, r.withSplit(r.split().withWeight(0)));
                r = next.route(i);
                LOG.warn("reload: route {} stays at canary weight 0, held by the SLO guard until resumed", r.prefix());
            }
            RouteMigration was = now.get(i);
            boolean same = Objects.equals(was.shadow(), r.shadow()) && (was.split() == null ? r.split() == null
                    : r.split() != null && was.split().stable() == r.split().stable()
                    && was.split().canaryBasisPoints() == r.split().canaryBasisPoints());
            if (!same) { // every shadow setting counts (rules, caps, timeout), not only what the words show
                changed.add(r.prefix() + " " + describe(was) + " -> " + describe(r));
            }
        }
        return commit(next, changed, "reload", who, "reload");
    }

    /**
     * The SLO guard's trip: the route's canary weight goes to 0 and stays there until {@link #resume}.
     *
     * @param reason the figures that tripped it, for the log
     */
    public synchronized void hold(String prefix, String reason) {
        int i = plan.indexOf(prefix);
        if (i < 0 || plan.route(i).split() == null || !held.add(prefix)) {
            return;
        }
        LOG.error("SLO guard: route {} canary weight set to 0 and held: {}", prefix, reason);
        RouteMigration r = plan.route(i);
        commit(plan.with(i, r.withSplit(r.split().withWeight(0))), List.of(prefix + " canaryWeight "
                + r.split().canaryBasisPoints() / 100.0 + " -> 0 (held)"), "slo_guard", "slo-guard", "hold");
        metrics.guardTripped(prefix, true); // after the plan: whoever sees the gauge sees the weight at 0
    }

    /** @param resumed told the prefix of each route a person resumes (the SLO guard) */
    public synchronized void onResume(Consumer<String> resumed) {
        this.onResume = resumed;
    }

    /**
     * Lets a person raise a held route's weight again (the weight itself stays 0 until they do).
     *
     * @return whether the route was held
     * @throws IllegalArgumentException an unknown route
     */
    public synchronized boolean resume(String prefix, String who) {
        if (plan.indexOf(prefix) < 0) {
            throw new IllegalArgumentException("no route with prefix '" + prefix + "'");
        }
        boolean was = held.remove(prefix);
        if (was) {
            onResume.accept(prefix);
            metrics.guardTripped(prefix, false);
            metrics.changed("admin", "resume");
            LOG.info("migration change (admin) by {}: route {} resumed; its canary weight stays 0 until raised", who,
                    prefix);
        }
        return was;
    }

    /** @return the prefixes the SLO guard holds now */
    public synchronized Set<String> held() {
        return Set.copyOf(held);
    }

    private static String describe(RouteMigration r) {
        return (r.split() == null ? "no split" : "split " + r.split().stable().name() + " canaryWeight "
                + r.split().canaryBasisPoints() / 100.0)
                + (r.shadow() == null ? ", no shadow" : ", shadow " + r.shadowTarget().name() + " "
                + r.shadow().basisPoints() / 100.0 + " % writes " + r.shadow().writes() + " (ignore "
                + r.shadow().ignore() + ", arrays " + r.shadow().arrays() + ", headers " + r.shadow().headers()
                + ", baseline " + r.shadow().baselineBasisPoints() / 100.0 + " %, maxBody " + r.shadow().maxBodyBytes()
                + ", maxInFlight " + r.shadow().maxInFlight() + ", timeout " + r.shadow().timeout().toMillis() + " ms)");
    }

    /** The routes a change applies to: one by prefix, or all that have a split (or a shadow). */
    private List<Integer> routesOf(String prefix, boolean split) {
        String what = split ? "split" : "shadow";
        List<Integer> out = new ArrayList<>();
        List<RouteMigration> all = plan.routes();
        for (int i = 0; i < all.size(); i++) {
            RouteMigration r = all.get(i);
            boolean has = split ? r.split() != null : r.shadow() != null;
            if (prefix == null ? has : r.prefix().equals(prefix)) {
                if (!has) {
                    throw new IllegalArgumentException("route " + prefix + " has no " + what
                            + " (set one in the configuration file and reload)");
                }
                out.add(i);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(prefix == null ? "no route has a " + what
                    : "no route with prefix '" + prefix + "'");
        }
        return out;
    }

    private String commit(MigrationPlan next, List<String> changed, String source, String who, String action) {
        if (changed.isEmpty()) {
            return "no change";
        }
        publish(next);
        metrics.changed(source, action);
        String what = String.join("; ", changed);
        LOG.info("migration change ({}) by {}: {}", source, who, what);
        return what;
    }

    private void publish(MigrationPlan next) {
        plan = next; // the one volatile write every request after it reads
        for (RouteMigration r : next.routes()) {
            if (r.split() != null) {
                metrics.split(r.prefix(), r.split().canaryBasisPoints() / (double) CallerBuckets.BUCKETS);
            } else {
                metrics.noSplit(r.prefix());
            }
            if (r.shadow() != null) {
                metrics.shadow(r.prefix());
            }
        }
    }
}
