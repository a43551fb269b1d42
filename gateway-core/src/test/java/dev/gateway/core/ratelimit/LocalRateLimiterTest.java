package dev.gateway.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The token bucket's arithmetic, on a clock the test moves. */
class LocalRateLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(123 * SECOND);
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    /** 10 a second, burst 4. */
    private final RateClass writes = new RateClass(0, "trade.write", 10, 4);
    private final RateClass reads = new RateClass(1, "trade.read", 1, 1);
    private final LocalRateLimiter limiter = new LocalRateLimiter(2, background, Duration.ofHours(1), clock::get);

    @AfterEach
    void stop() {
        limiter.close();
        background.shutdownNow();
    }

    @Test
    void aNewCallerHasAFullBucketThenWaitsForRefill() {
        assertEquals(3, limiter.tryAcquire("a", writes));
        assertEquals(2, limiter.tryAcquire("a", writes));
        assertEquals(1, limiter.tryAcquire("a", writes));
        assertEquals(0, limiter.tryAcquire("a", writes));
        long refused = limiter.tryAcquire("a", writes);
        assertTrue(refused < 0);
        assertEquals(SECOND / 10, RateLimiter.refusedFor(refused), "one token is 100 ms away");

        clock.addAndGet(SECOND / 10 - 1);
        assertTrue(limiter.tryAcquire("a", writes) < 0, "not a nanosecond early");
        clock.addAndGet(1);
        assertEquals(0, limiter.tryAcquire("a", writes));

        clock.addAndGet(10 * SECOND);
        assertEquals(3, limiter.tryAcquire("a", writes), "refills to the burst, never beyond");
    }

    @Test
    void refusalsCostNothing() {
        for (int i = 0; i < 4; i++) {
            limiter.tryAcquire("a", writes);
        }
        for (int i = 0; i < 1000; i++) {
            assertTrue(limiter.tryAcquire("a", writes) < 0);
        }
        clock.addAndGet(SECOND / 10);
        assertEquals(0, limiter.tryAcquire("a", writes), "a flood of refused calls does not push the refill back");
    }

    @Test
    void classesAndCallersHaveTheirOwnBuckets() {
        assertEquals(0, limiter.tryAcquire("a", reads));
        assertTrue(limiter.tryAcquire("a", reads) < 0);
        assertEquals(3, limiter.tryAcquire("a", writes));
        assertEquals(0, limiter.tryAcquire("b", reads));
    }

    @Test
    void callersWhoseBucketsRefilledAreForgotten() {
        limiter.tryAcquire("a", writes);
        limiter.tryAcquire("b", reads);
        assertEquals(2, limiter.callers());
        clock.addAndGet(SECOND / 10); // a's write bucket is full again; b's read bucket is not
        limiter.evictIdle();
        assertEquals(1, limiter.callers());
        clock.addAndGet(SECOND);
        limiter.evictIdle();
        assertEquals(0, limiter.callers());
        assertEquals(0, limiter.tryAcquire("b", reads), "a forgotten caller starts full, as it would have been");
    }

    @Test
    void concurrentCallersTakeExactlyTheBurst() throws Exception {
        RateClass big = new RateClass(0, "big", 1, 10_000);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> granted = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                granted.add(threads.submit(() -> {
                    int n = 0;
                    for (int i = 0; i < 5_000; i++) {
                        if (limiter.tryAcquire("shared", big) >= 0) {
                            n++;
                        }
                    }
                    return n;
                }));
            }
            int total = 0;
            for (Future<Integer> f : granted) {
                total += f.get();
            }
            assertEquals(10_000, total, "no lost update, no double grant, with the clock standing still");
        } finally {
            threads.shutdownNow();
        }
    }
}
