package dev.gateway.core.ratelimit;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Token buckets per caller and class in this process, kept as one "theoretical arrival time" each (the
 * generic cell rate algorithm): a bucket is a single {@code long}, updated by compare-and-set, so no
 * request waits on a lock and callers on different event loops never contend unless they are the same
 * caller.
 *
 * <p>A bucket whose time has passed is full, which is exactly what a new caller gets; so a caller all of
 * whose buckets are full carries no state, and a background sweep drops it. Memory holds only callers
 * seen within the last {@code burst / perSecond} seconds plus one sweep interval.
 */
public final class LocalRateLimiter implements RateLimiter {
    private final int classes;
    private final LongSupplier clock;
    private final long origin;
    private final ConcurrentHashMap<String, AtomicLongArray> callers = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> sweep;

    /**
     * @param classes how many {@link RateClass}es there are (their indexes run from 0)
     * @param background runs the sweep of idle callers every {@code sweepEvery}
     */
    public LocalRateLimiter(int classes, ScheduledExecutorService background, Duration sweepEvery) {
        this(classes, background, sweepEvery, System::nanoTime);
    }

    /**
     * As above, reading time from {@code clock} (nanoseconds, as {@link System#nanoTime}): a clock that
     * stands still makes refill times exact, for tests that assert on {@code Retry-After}.
     */
    public LocalRateLimiter(int classes, ScheduledExecutorService background, Duration sweepEvery, LongSupplier clock) {
        this.classes = classes;
        this.clock = clock;
        this.origin = clock.getAsLong();
        this.sweep = background.scheduleWithFixedDelay(this::evictIdle, sweepEvery.toNanos(), sweepEvery.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public long tryAcquire(String caller, RateClass c) {
        AtomicLongArray state = callers.get(caller);
        if (state == null) {
            state = callers.computeIfAbsent(caller, k -> new AtomicLongArray(classes));
        }
        long interval = c.intervalNanos();
        long capacity = interval * c.burst();
        while (true) {
            long now = now();
            long tat = state.get(c.index());
            long next = Math.max(tat, now) + interval;
            long ahead = next - now; // how far this request would put the bucket in debt
            if (ahead > capacity) {
                return -1 - (ahead - capacity);
            }
            if (state.compareAndSet(c.index(), tat, next)) {
                return (capacity - ahead) / interval;
            }
        }
    }

    /** Callers now held (for tests and metrics). */
    public int callers() {
        return callers.size();
    }

    /**
     * Drops every caller whose buckets have all refilled: they are the same as absent. A request racing
     * the removal may go uncounted, which gives that caller at most one extra token per sweep.
     */
    void evictIdle() {
        long now = now();
        callers.entrySet().removeIf(e -> {
            AtomicLongArray s = e.getValue();
            for (int i = 0; i < s.length(); i++) {
                if (s.get(i) > now) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Nanoseconds since this limiter began, always positive: a fresh bucket's zero is in the past. */
    private long now() {
        return clock.getAsLong() - origin + 1;
    }

    @Override
    public void close() {
        sweep.cancel(false);
    }
}
