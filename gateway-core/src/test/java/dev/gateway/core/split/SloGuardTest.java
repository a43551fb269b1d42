package dev.gateway.core.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.split.SloGuard.RouteStatus;
import dev.gateway.core.split.SloGuard.Settings;
import dev.gateway.core.split.SloGuard.Trip;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The guard fed records directly: windows, runs, margins, resume, and its counters under contention. */
class SloGuardTest {
    private static final String ROUTE = "/v1/trades/{tradeId}";
    private static final long MS = 1_000_000;
    private static final int N = 20;

    private final List<Trip> trips = new CopyOnWriteArrayList<>();

    /** 5 pp, p99 at most × 1.5 + 2 ms, three bad windows in a row. */
    private SloGuard guard(int windowsInRow) {
        return new SloGuard(List.of(ROUTE, "/v1/tasks"), new Settings(N, 0.05, 0.5, 2 * MS, windowsInRow), trips::add);
    }

    /**
     * One window: N stable exchanges, then N canary ones (the last of which closes it), the first
     * {@code errors} of each side failing.
     */
    private static void window(SloGuard g, int canaryErrors, long canaryLatency, int stableErrors, long stableLatency) {
        for (int i = 0; i < N; i++) {
            g.record(ROUTE, false, i < stableErrors, stableLatency);
        }
        for (int i = 0; i < N; i++) {
            g.record(ROUTE, true, i < canaryErrors, canaryLatency);
        }
    }

    private static void bad(SloGuard g) {
        window(g, 6, 10 * MS, 0, 10 * MS); // 30 % vs 0 %
    }

    private static void good(SloGuard g) {
        window(g, 0, 10 * MS, 0, 10 * MS);
    }

    private static RouteStatus status(SloGuard g) {
        return g.status().stream().filter(s -> s.route().equals(ROUTE)).findFirst().orElseThrow();
    }

    @Test
    void tripsAfterExactlyKBadWindowsAndTellsOnce() {
        SloGuard g = guard(3);
        bad(g);
        bad(g);
        assertFalse(g.tripped(ROUTE));
        assertEquals(2, status(g).badWindowsInRow());
        assertTrue(trips.isEmpty());
        bad(g);
        assertTrue(g.tripped(ROUTE));
        assertEquals(List.of(new Trip(ROUTE, "error rate 30.0 % vs 0.0 % (margin 5 pp), 3 windows in a row")), trips);
        RouteStatus s = status(g);
        assertTrue(s.tripped());
        assertEquals(trips.get(0).reason(), s.reason());
        assertEquals(3, s.windowsClosed());
        assertEquals(6 * N, s.requestsJudged());
        // tripped: nothing more is counted, nobody is told again
        bad(g);
        bad(g);
        bad(g);
        assertEquals(1, trips.size());
        assertEquals(0, status(g).canaryRequests());
        assertEquals(3, status(g).windowsClosed());
        assertFalse(g.tripped("/v1/tasks"), "routes are guarded one by one");
    }

    @Test
    void aGoodWindowEndsTheRun() {
        SloGuard g = guard(3);
        bad(g);
        bad(g);
        good(g);
        assertEquals(0, status(g).badWindowsInRow());
        bad(g);
        bad(g);
        assertFalse(g.tripped(ROUTE));
        bad(g);
        assertTrue(g.tripped(ROUTE));
        assertEquals(1, trips.size());
    }

    @Test
    void resumeStartsWindowsAfresh() {
        SloGuard g = guard(2);
        bad(g);
        bad(g);
        assertTrue(g.tripped(ROUTE));
        assertTrue(g.resume(ROUTE));
        assertFalse(g.tripped(ROUTE));
        RouteStatus s = status(g);
        assertEquals(0, s.badWindowsInRow());
        assertNull(s.reason());
        assertEquals(0, s.windowsClosed());
        assertNotNull(s.lastWindow(), "the last window's figures stay for people to read");
        bad(g);
        assertFalse(g.tripped(ROUTE), "the run before the trip does not count again");
        bad(g);
        assertTrue(g.tripped(ROUTE));
        assertEquals(2, trips.size());
        assertFalse(g.resume("/v1/tasks"), "was not tripped");
        assertThrows(IllegalArgumentException.class, () -> g.resume("/v1/unknown"));
    }

    @Test
    void resumeDropsAHalfFilledWindow() {
        SloGuard g = guard(1);
        for (int i = 0; i < N; i++) {
            g.record(ROUTE, false, false, MS);
        }
        g.resume(ROUTE);
        for (int i = 0; i < N; i++) {
            g.record(ROUTE, true, true, MS);
        }
        assertEquals(0, status(g).windowsClosed(), "the stable side starts from nothing again");
        assertEquals(N, status(g).canaryRequests());
    }

    @Test
    void theErrorRateMarginIsRespected() {
        SloGuard g = guard(1);
        window(g, 1, MS, 0, MS); // 5 % vs 0 %: not more than 5 pp
        assertNull(status(g).lastWindow().badBecause());
        window(g, 3, MS, 1, MS); // 15 % vs 5 %: 10 pp
        assertTrue(g.tripped(ROUTE));
        assertEquals("error rate 15.0 % vs 5.0 % (margin 5 pp), 1 window", trips.get(0).reason());
        SloGuard.Figures f = status(g).lastWindow();
        assertEquals(N, f.canaryRequests());
        assertEquals(3, f.canaryErrors());
        assertEquals(0.15, f.canaryErrorRate(), 1e-9);
        assertEquals(0.05, f.stableErrorRate(), 1e-9);
    }

    @Test
    void theP99MarginIsRespected() {
        SloGuard g = guard(1);
        // stable 10 ms: the canary may take 10 × 1.5 + 2 = 17 ms (each within the histogram's 3.2 %)
        window(g, 0, 15 * MS, 0, 10 * MS);
        assertNull(status(g).lastWindow().badBecause());
        assertFalse(g.tripped(ROUTE));
        window(g, 0, 20 * MS, 0, 10 * MS);
        assertTrue(g.tripped(ROUTE));
        String reason = trips.get(0).reason();
        assertTrue(reason.startsWith("p99 ") && reason.contains(" vs ") && reason.contains("× 1.5 + 2.0 ms")
                && reason.endsWith(", 1 window"), reason);
        SloGuard.Figures f = status(g).lastWindow();
        assertEquals(20 * MS, f.canaryP99Nanos(), 20 * MS * LatencyHistogram.RELATIVE_ERROR);
        assertEquals(10 * MS, f.stableP99Nanos(), 10 * MS * LatencyHistogram.RELATIVE_ERROR);
    }

    @Test
    void theP99FloorKeepsTinyLatenciesFromTripping() {
        List<Trip> seen = new ArrayList<>();
        SloGuard floored = new SloGuard(List.of(ROUTE), new Settings(N, 0.05, 0.5, MS, 1), seen::add);
        SloGuard bare = new SloGuard(List.of(ROUTE), new Settings(N, 0.05, 0.5, 0, 1), seen::add);
        window(floored, 0, 500_000, 0, 100_000); // 0.5 ms vs 0.1 ms: five times, but under the 1 ms floor
        window(bare, 0, 500_000, 0, 100_000);
        assertFalse(floored.tripped(ROUTE));
        assertTrue(bare.tripped(ROUTE));
        assertEquals(1, seen.size());
    }

    @Test
    void bothErrorRateAndP99AreNamedWhenBothAreWorse() {
        SloGuard g = guard(1);
        window(g, 10, 50 * MS, 0, 10 * MS);
        String reason = trips.get(0).reason();
        assertTrue(reason.startsWith("error rate 50.0 % vs 0.0 % (margin 5 pp); p99 "), reason);
    }

    @Test
    void aWindowNeedsEnoughRequestsOnEachSide() {
        SloGuard g = guard(1);
        for (int i = 0; i < 50 * N; i++) {
            g.record(ROUTE, false, false, MS);
        }
        for (int i = 0; i < N - 1; i++) {
            g.record(ROUTE, true, true, MS);
        }
        assertEquals(0, status(g).windowsClosed());
        assertNull(status(g).lastWindow());
        assertEquals(N - 1, status(g).canaryErrors());
        assertEquals(50 * N, status(g).stableRequests());
        g.record(ROUTE, true, true, MS);
        assertEquals(1, status(g).windowsClosed());
        assertEquals(51 * N, status(g).requestsJudged());
        assertTrue(g.tripped(ROUTE));
    }

    @Test
    void unknownRoutesAreIgnored() {
        SloGuard g = guard(1);
        for (int i = 0; i < 3 * N; i++) {
            g.record("/v1/unknown", i % 2 == 0, true, MS);
        }
        assertFalse(g.tripped("/v1/unknown"));
        assertEquals(List.of("/v1/tasks", ROUTE), g.status().stream().map(RouteStatus::route).toList());
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Settings(0, 0.05, 0.5, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Settings(10, -0.1, 0.5, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Settings(10, 0.05, Double.NaN, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Settings(10, 0.05, 0.5, -1, 3));
        assertThrows(IllegalArgumentException.class, () -> new Settings(10, 0.05, 0.5, 0, 0));
    }

    /**
     * Four threads record at once into windows of 1,000 a side. Every record is counted in exactly one
     * window except those racing with a close: at most one per other thread and close.
     */
    @Test
    void countsAreLostOnlyAtWindowBoundaries() throws Exception {
        int threads = 4;
        int perThread = 250_000;
        SloGuard g = new SloGuard(List.of(ROUTE), new Settings(1_000, 0.05, 0.5, 2 * MS, 3), trips::add);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < perThread; i++) {
                    // equal error rates and latencies on both sides: windows are judged, never bad
                    g.record(ROUTE, (i & 1) == 0, (i >> 1) % 10 == 0, MS + random.nextInt(100_000));
                }
            });
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) {
            w.join();
        }
        RouteStatus s = status(g);
        long counted = s.requestsJudged() + s.canaryRequests() + s.stableRequests();
        long lost = (long) threads * perThread - counted;
        assertTrue(s.windowsClosed() >= 100, "windows closed: " + s.windowsClosed());
        assertTrue(lost >= 0 && lost <= (threads - 1) * s.windowsClosed(),
                "lost " + lost + " over " + s.windowsClosed() + " closes");
        assertFalse(s.tripped(), s.reason());
        assertTrue(trips.isEmpty());
    }

    /** Each value lands in a bucket whose middle is within 1/32 of it. */
    @Test
    void aBucketsMiddleIsWithinTheDocumentedErrorOfItsValues() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1_000_000; i++) {
            long v = (long) Math.pow(2, random.nextDouble(0, 40));
            long m = LatencyHistogram.middle(LatencyHistogram.index(v));
            assertTrue(Math.abs(m - v) <= v * LatencyHistogram.RELATIVE_ERROR, v + " reported as " + m);
        }
        for (long v = 0; v < 4096; v++) {
            long m = LatencyHistogram.middle(LatencyHistogram.index(v));
            assertTrue(Math.abs(m - v) <= v * LatencyHistogram.RELATIVE_ERROR, v + " reported as " + m);
        }
        assertEquals(LatencyHistogram.BUCKETS - 1, LatencyHistogram.index(Long.MAX_VALUE));
        assertEquals(0, LatencyHistogram.index(-5));
    }

    @Test
    void percentilesAreWithinTheDocumentedErrorOfTheExactOnes() {
        SplittableRandom random = new SplittableRandom(11);
        for (int round = 0; round < 20; round++) {
            int n = 1 + random.nextInt(50_000);
            long[] values = new long[n];
            LatencyHistogram h = new LatencyHistogram();
            for (int i = 0; i < n; i++) {
                // from 1 µs to 10 s, log-uniform, with a slow tail in some rounds
                values[i] = (long) Math.pow(10, random.nextDouble(3, round % 2 == 0 ? 10 : 7));
                h.record(values[i]);
            }
            Arrays.sort(values);
            for (double q : new double[] {0.5, 0.9, 0.99, 0.999, 1.0}) {
                long exact = values[(int) Math.max(0, Math.ceil(q * n) - 1)]; // nearest rank
                long got = h.percentile(q);
                assertTrue(Math.abs(got - exact) <= exact * LatencyHistogram.RELATIVE_ERROR,
                        "q " + q + " of " + n + ": exact " + exact + ", histogram " + got);
            }
        }
        assertEquals(0, new LatencyHistogram().percentile(0.99));
    }
}
