package dev.gateway.core.split;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Stops a split route's canary when it does worse than the stable target: per route, the exchanges of each
 * side are counted in windows, and a window closes once it holds at least {@link Settings#minRequests} on
 * <em>each</em> side. A closed window is bad when the canary's error rate exceeds the stable's by more than
 * {@link Settings#errorRateMargin}, or its p99 exceeds the stable's {@code × (1 + p99Ratio) + p99FloorNanos}.
 * After {@link Settings#windowsInRow} bad windows in a row the route trips: the callback is told once, the
 * route stays tripped and counts nothing until a person calls {@link #resume}, after which windows start
 * afresh. A good window ends a run of bad ones.
 *
 * <p>{@link #record} is meant for the event loops, on every exchange of a split route: no lock, no
 * allocation once the route's counters exist (they are made in the constructor, two windows per route
 * used in turn), a map lookup, three atomic increments (a request count, an error count and one latency
 * bucket) and a volatile read of the other side's count. Latencies go to a fixed log-linear histogram whose
 * p99 is within 1/32 (3.2 %) of the exact p99 of the same requests ({@link LatencyHistogram}).
 *
 * <p>The record whose increment fills the window's second side tries to close it: the one thread whose
 * compare-and-set wins swaps in the other window, then judges the old one; the others carry on. Figures
 * are read while other threads may still be counting, so an increment racing with a close may land in the
 * closed window after it was read, and is lost: at most one per other recording thread and close. (A thread
 * that stalls between reading the current window and counting in it for a whole window would count in the
 * window after next instead.) Latencies and errors are counted before the request count, so a window's
 * figures include every request its count includes, give or take the same race.
 *
 * <p>The callback runs on the thread whose record closed the tripping window, after the guard's state is
 * updated and outside any lock: it must not block (hand the work to another thread). Unknown routes are
 * ignored by {@link #record} and {@link #tripped}.
 */
public final class SloGuard {
    private final Settings settings;
    private final Consumer<Trip> onTrip;
    private final Map<String, RouteGuard> routes;

    /**
     * @param routes the split routes to guard, by name (a path template, say); others are ignored
     * @param onTrip told once per trip, on the recording thread that tripped it
     */
    public SloGuard(Collection<String> routes, Settings settings, Consumer<Trip> onTrip) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.onTrip = Objects.requireNonNull(onTrip, "onTrip");
        Map<String, RouteGuard> m = new LinkedHashMap<>();
        for (String r : routes) {
            m.putIfAbsent(Objects.requireNonNull(r, "route"), new RouteGuard(r));
        }
        this.routes = Map.copyOf(m);
    }

    /**
     * What the guard holds to.
     *
     * @param minRequests a window closes once it holds at least this many requests on each side
     * @param errorRateMargin how far the canary's error rate may exceed the stable's, absolute: {@code 0.05}
     *     is 5 percentage points
     * @param p99Ratio the canary's p99 may be at most the stable's {@code × (1 + p99Ratio)} ...
     * @param p99FloorNanos ... plus this, so that tiny p99s do not trip the guard on noise
     * @param windowsInRow bad windows in a row that trip the route
     */
    public record Settings(int minRequests, double errorRateMargin, double p99Ratio, long p99FloorNanos,
            int windowsInRow) {
        public Settings {
            if (minRequests < 1) {
                throw new IllegalArgumentException("minRequests must be at least 1, got " + minRequests);
            }
            if (!(errorRateMargin >= 0 && errorRateMargin <= 1)) {
                throw new IllegalArgumentException("errorRateMargin must be 0 to 1, got " + errorRateMargin);
            }
            if (!(p99Ratio >= 0) || Double.isInfinite(p99Ratio)) {
                throw new IllegalArgumentException("p99Ratio must be 0 or more, got " + p99Ratio);
            }
            if (p99FloorNanos < 0) {
                throw new IllegalArgumentException("p99FloorNanos must be 0 or more, got " + p99FloorNanos);
            }
            if (windowsInRow < 1) {
                throw new IllegalArgumentException("windowsInRow must be at least 1, got " + windowsInRow);
            }
        }
    }

    /** A route tripped: {@code reason} names the tripping window's figures and the run's length. */
    public record Trip(String route, String reason) {
    }

    /**
     * A closed window's figures.
     *
     * @param badBecause why the window was bad, {@code null} when it was good
     */
    public record Figures(long canaryRequests, long canaryErrors, long canaryP99Nanos, long stableRequests,
            long stableErrors, long stableP99Nanos, String badBecause) {
        public double canaryErrorRate() {
            return canaryRequests == 0 ? 0 : (double) canaryErrors / canaryRequests;
        }

        public double stableErrorRate() {
            return stableRequests == 0 ? 0 : (double) stableErrors / stableRequests;
        }
    }

    /**
     * A route as an admin endpoint shows it.
     *
     * @param canaryRequests the current window's counts (canary, then stable) ...
     * @param lastWindow the last closed window, {@code null} before the first
     * @param badWindowsInRow bad windows closed in a row so far
     * @param windowsClosed windows closed since the start or the last resume
     * @param requestsJudged requests counted in those windows, both sides
     * @param reason why the route tripped, {@code null} while it has not
     */
    public record RouteStatus(String route, long canaryRequests, long canaryErrors, long stableRequests,
            long stableErrors, Figures lastWindow, int badWindowsInRow, long windowsClosed, long requestsJudged,
            boolean tripped, String reason) {
    }

    /**
     * Counts one exchange of a split route. Cheap, lock-free and allocation-free: for the event loops.
     *
     * @param canary whether the exchange went to the canary (else to the stable target)
     * @param error whether it failed, as the caller decides (a 5xx, or an error of the gateway's own)
     * @param latencyNanos how long it took
     */
    public void record(String route, boolean canary, boolean error, long latencyNanos) {
        RouteGuard g = routes.get(route);
        if (g == null || g.tripped) {
            return;
        }
        Window w = g.current;
        SideCounts side = canary ? w.canary : w.stable;
        side.latencies.record(latencyNanos);
        if (error) {
            side.errors.increment();
        }
        long n = side.requests.incrementAndGet();
        if (n >= settings.minRequests() && (canary ? w.stable : w.canary).requests.get() >= settings.minRequests()) {
            close(g, w);
        }
    }

    /** Whether the route is tripped; {@code false} for a route the guard does not know. */
    public boolean tripped(String route) {
        RouteGuard g = routes.get(route);
        return g != null && g.tripped;
    }

    /**
     * Lets a tripped route's canary be judged again, by a person's decision: the run of bad windows and the
     * current window start afresh (the last closed window's figures stay for the status).
     *
     * @return whether the route was tripped
     * @throws IllegalArgumentException for a route the guard does not know
     */
    public boolean resume(String route) {
        RouteGuard g = routes.get(route);
        if (g == null) {
            throw new IllegalArgumentException("not a guarded route: " + route);
        }
        while (!g.closing.compareAndSet(false, true)) {
            Thread.onSpinWait(); // a close in progress: it takes microseconds
        }
        try {
            boolean was = g.tripped;
            g.current.reset();
            g.spare.reset();
            g.badInRow = 0;
            g.windowsClosed = 0;
            g.requestsJudged = 0;
            g.reason = null;
            g.tripped = false;
            return was;
        } finally {
            g.closing.set(false);
        }
    }

    /** Every guarded route, sorted by name, as an admin endpoint shows it (Jackson writes records as is). */
    public List<RouteStatus> status() {
        List<RouteStatus> out = new ArrayList<>(routes.size());
        for (RouteGuard g : routes.values()) {
            Window w = g.current;
            out.add(new RouteStatus(g.name, w.canary.requests.get(), w.canary.errors.sum(), w.stable.requests.get(),
                    w.stable.errors.sum(), g.last, g.badInRow, g.windowsClosed, g.requestsJudged, g.tripped, g.reason));
        }
        out.sort((a, b) -> a.route().compareTo(b.route()));
        return out;
    }

    public Settings settings() {
        return settings;
    }

    private void close(RouteGuard g, Window w) {
        if (!g.closing.compareAndSet(false, true)) {
            return; // another thread is closing, or a person resuming
        }
        Trip trip = null;
        try {
            if (g.current != w || g.tripped) {
                return; // closed already
            }
            Window fresh = g.spare;
            fresh.reset(); // closed a whole window ago: nobody counts in it any more
            g.current = fresh;
            g.spare = w;
            trip = judge(g, w);
        } finally {
            g.closing.set(false);
        }
        if (trip != null) {
            onTrip.accept(trip);
        }
    }

    /** Judges a closed window; under the route's closing flag. @return the trip it causes, or null */
    private Trip judge(RouteGuard g, Window w) {
        long cn = w.canary.requests.get();
        long ce = w.canary.errors.sum();
        long cp = w.canary.latencies.percentile(0.99);
        long sn = w.stable.requests.get();
        long se = w.stable.errors.sum();
        long sp = w.stable.latencies.percentile(0.99);
        double cRate = (double) ce / cn;
        double sRate = (double) se / sn;
        StringBuilder why = new StringBuilder();
        if (cRate - sRate > settings.errorRateMargin()) {
            why.append(String.format(Locale.ROOT, "error rate %.1f %% vs %.1f %% (margin %s pp)", cRate * 100,
                    sRate * 100, plain(settings.errorRateMargin() * 100)));
        }
        double allowed = sp * (1 + settings.p99Ratio()) + settings.p99FloorNanos();
        if (cp > allowed) {
            if (why.length() > 0) {
                why.append("; ");
            }
            why.append("p99 ").append(millis(cp)).append(" vs ").append(millis(sp)).append(" (at most ")
                    .append(millis((long) allowed)).append(": × ").append(plain(1 + settings.p99Ratio()))
                    .append(" + ").append(millis(settings.p99FloorNanos())).append(')');
        }
        String bad = why.length() == 0 ? null : why.toString();
        g.last = new Figures(cn, ce, cp, sn, se, sp, bad);
        g.windowsClosed++;
        g.requestsJudged += cn + sn;
        if (bad == null) {
            g.badInRow = 0;
            return null;
        }
        int run = g.badInRow + 1;
        g.badInRow = run;
        if (run < settings.windowsInRow()) {
            return null;
        }
        String reason = bad + ", " + run + (run == 1 ? " window" : " windows in a row");
        g.reason = reason;
        g.tripped = true;
        return new Trip(g.name, reason);
    }

    private static String plain(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String millis(long nanos) {
        double ms = nanos / 1e6;
        return String.format(Locale.ROOT, ms >= 100 ? "%.0f ms" : ms >= 1 ? "%.1f ms" : "%.3f ms", ms);
    }

    /** One route's windows and verdicts. */
    private static final class RouteGuard {
        final String name;
        final AtomicBoolean closing = new AtomicBoolean(); // held while a window closes or a person resumes
        volatile Window current = new Window();
        Window spare = new Window(); // under closing
        volatile boolean tripped;
        volatile String reason;
        volatile Figures last;
        volatile int badInRow; // written under closing
        volatile long windowsClosed;
        volatile long requestsJudged;

        RouteGuard(String name) {
            this.name = name;
        }
    }

    /** One window's counts, canary and stable. */
    private static final class Window {
        final SideCounts canary = new SideCounts();
        final SideCounts stable = new SideCounts();

        void reset() {
            canary.reset();
            stable.reset();
        }
    }

    /** One side's counts in a window. */
    private static final class SideCounts {
        final AtomicLong requests = new AtomicLong();
        final LongAdder errors = new LongAdder();
        final LatencyHistogram latencies = new LatencyHistogram();

        void reset() {
            requests.set(0);
            errors.reset();
            latencies.reset();
        }
    }
}
