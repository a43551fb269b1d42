package dev.gateway.core.ratelimit;

import dev.gateway.core.config.GatewayConfig.RedisStoreConfig;
import dev.gateway.core.metrics.SharedRateLimitMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Rate limits shared by every replica through GCRA buckets on Redis ({@link RedisLeaseStore}), decided
 * locally: each replica holds a small lease of tokens per caller and class and spends it without I/O.
 * When a lease falls below half its size, one asynchronous refill asks the shared bucket for enough tokens
 * to fill it again (at most one refill in flight per caller and class). A lease starts at {@code leaseSize}
 * and is resized at every grant to twice what the caller used while that refill was on its way, or to
 * 100 ms of the caller's rate over the last whole 100 ms if more, within {@code leaseSize} and {@code Lmax =
 * min(burst, MAX_GROWTH × leaseSize)}: a caller faster than a lease per Redis round trip gets a lease that
 * lasts a round trip, and a steady caller refills about every 50 ms rather than every few requests.
 *
 * <p>Where no token is in hand, the decision is a local GCRA bucket at {@code perSecond / expectedReplicas}
 * with burst {@code ceil(burst / expectedReplicas)} (the fallback), so a caller's first request never
 * waits for Redis. What the fallback admits while Redis is up is borrowed from the next grant (at most
 * the lease's size owed; before a lease's first grant it may grow to {@code Lmax} for that), so it counts against the shared bucket too. When the shared
 * bucket said it is empty, requests are refused until the time it gave, without asking it again; so a
 * caller that keeps at its limit is admitted mostly by the fallback, on credit, and the refills pay for
 * it. When a refill fails or times out, the store is marked down and every decision is the fallback's
 * until a probe ({@code PING}) succeeds.
 *
 * <p>Error bound, per caller and class, with {@code N} replicas and lease size at most {@code L} (from
 * {@code leaseSize}, for a caller held at its limit for a while, up to {@code Lmax}, for one that reaches
 * its limit from far below it; a lease grows only while its grants are full): in any window of
 * {@code T} seconds while Redis is up, the replicas together admit at most {@code perSecond × T + burst +
 * 2 × N × L}: the shared bucket's own bound, plus the tokens each replica held before the window and
 * spends in it (at most {@code L}), plus what each still owes at its end (at most {@code L}). While Redis
 * is down, each replica admits what its fallback does ({@code perSecond / N × T + ceil(burst / N)}),
 * uncounted by Redis: the limit holds only if {@code expectedReplicas} is not below the replicas running,
 * and a window that spans the outage's end can add a full {@code burst} from the refilled shared bucket.
 * Under-admission: tokens in hand on a replica the caller no longer reaches stay unused (at most {@code L}
 * per replica) until the caller is swept; and a request that finds its lease empty and owing its whole size
 * is refused until a refill lands, though the shared bucket may hold tokens: with the lease sized to the
 * caller's demand, that happens only while the demand more than doubles within a round trip, or beyond
 * {@code Lmax} per round trip.
 *
 * <p>{@link #tryAcquire} never waits: it reads and writes atomics and starts commands whose answers
 * arrive on Lettuce's I/O thread.
 */
public final class LeasedRateLimiter implements RateLimiter, SharedRateLimitMetrics.Source {
    private final RedisLeaseStore store;
    private final LocalRateLimiter fallback;
    private final RateClass[] fallbackClasses;
    private final int classes;
    /**
     * How far a lease may grow past {@code leaseSize} for a caller faster than a lease per Redis round trip
     * ({@link Lease#granted}); never past the class's burst either.
     */
    static final int MAX_GROWTH = 64;
    /**
     * How long a lease should last at its caller's recent rate, when the shared bucket is not what holds the
     * caller back ({@link Lease#granted}), up to the lease's most: a caller at 5k req/s under a far higher
     * limit holds 500 tokens and refills about every 50 ms, instead of every {@code leaseSize / 2} requests
     * (1,000 Redis commands a second at the default size). Each refill is CPU beside the request path (the
     * client's I/O thread, and Redis's, on the same cores when Redis runs beside the gateway): in
     * {@code SharedLimitsCost} (one caller, about 6k round trips a second, two cores) the shared limits added
     * 9 % to the median round trip and 12 % to the p99 with 741 refills a second (a lease of twice a round
     * trip's demand), and 3.5 % and 7.6 % with 21 a second (this window).
     */
    static final long DEMAND_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final long leaseSize;
    /** Per class, the most a lease may grow to: {@code min(burst, MAX_GROWTH × leaseSize)}, at least {@code leaseSize}. */
    private final long[] maxLease;
    private final ConcurrentHashMap<String, Lease[]> leases = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> sweep;

    private final LongAdder leaseAdmitted = new LongAdder();
    private final LongAdder fallbackAdmitted = new LongAdder();
    private final LongAdder leaseRefused = new LongAdder();
    private final LongAdder fallbackRefused = new LongAdder();
    /** Told every answered refill's time from asking to the answer, in nanoseconds (on Lettuce's thread). */
    private volatile LongConsumer refillTimes = nanos -> { };
    private final LongAdder refills = new LongAdder();
    private final LongAdder refillFailures = new LongAdder();
    private final LongAdder refillsDone = new LongAdder();

    /**
     * A limiter on the Redis of {@code rateLimits.redis}; returns at once, in fallback until Redis is
     * connected (a Redis that cannot be reached at start fails nothing: the probe connects later).
     *
     * @param classes every rate class, in index order ({@link RateClasses#all})
     * @param redis the {@code rateLimits.redis} settings
     * @param background runs the probe and the sweeps; never an event loop
     * @param sweepEvery how often idle callers are dropped
     */
    public static LeasedRateLimiter onRedis(List<RateClass> classes, RedisStoreConfig redis,
            ScheduledExecutorService background, Duration sweepEvery) {
        RedisLeaseStore store = new RedisLeaseStore(redis.address(), redis.username(), redis.password(),
                redis.timeout(), background, redis.probeInterval());
        return new LeasedRateLimiter(classes, store, redis.leaseSize(), redis.expectedReplicas(), background,
                sweepEvery);
    }

    /**
     * @param classes every rate class, in index order ({@link RateClasses#all})
     * @param store the shared buckets; closed with this limiter
     * @param leaseSize tokens a replica holds per caller and class at most (1 or more)
     * @param expectedReplicas how many replicas share the limits (1 or more): the fallback's share
     * @param background runs the sweeps of idle callers every {@code sweepEvery}
     * @throws IllegalArgumentException when {@code leaseSize} or {@code expectedReplicas} is below 1
     */
    LeasedRateLimiter(List<RateClass> classes, RedisLeaseStore store, int leaseSize, int expectedReplicas,
            ScheduledExecutorService background, Duration sweepEvery) {
        if (leaseSize < 1 || expectedReplicas < 1) {
            throw new IllegalArgumentException("leaseSize and expectedReplicas must be 1 or more: " + leaseSize
                    + ", " + expectedReplicas);
        }
        this.store = store;
        this.classes = classes.size();
        this.leaseSize = leaseSize;
        this.maxLease = new long[this.classes];
        for (RateClass c : classes) {
            maxLease[c.index()] = Math.max(leaseSize, Math.min(c.burst(), (long) MAX_GROWTH * leaseSize));
        }
        this.fallbackClasses = new RateClass[this.classes];
        for (RateClass c : classes) {
            RateClass share = new RateClass(c.index(), c.name(), c.perSecond() / expectedReplicas,
                    Math.max(1, (c.burst() + expectedReplicas - 1) / expectedReplicas));
            fallbackClasses[c.index()] = share;
        }
        this.fallback = new LocalRateLimiter(this.classes, background, sweepEvery);
        this.sweep = background.scheduleWithFixedDelay(this::evictIdle, sweepEvery.toNanos(), sweepEvery.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public long tryAcquire(String caller, RateClass c) {
        Lease[] mine = leases.get(caller);
        if (mine == null) {
            mine = leases.computeIfAbsent(caller, k -> newLeases());
        }
        Lease lease = mine[c.index()];
        if (!store.up()) {
            return decideLocally(caller, c);
        }
        long left = lease.take();
        if (left >= 0) {
            if (left < (lease.size() + 1) / 2 && !lease.emptyAt(System.nanoTime())) {
                refill(caller, c, lease); // not while the bucket said it is empty: it would grant nothing
            }
            leaseAdmitted.increment();
            return left;
        }
        long now = System.nanoTime();
        if (lease.emptyAt(now)) {
            leaseRefused.increment();
            return -1 - lease.emptyFor(now);
        }
        refill(caller, c, lease);
        if (!borrowGrowing(lease)) {
            leaseRefused.increment(); // owes a whole lease: wait for the refill on its way
            return -1 - c.intervalNanos();
        }
        long decision = decideLocally(caller, c);
        if (decision < 0) {
            lease.giveBack();
        }
        return decision;
    }

    /** The local share's decision (owed to the shared bucket when the caller borrowed for it). */
    private long decideLocally(String caller, RateClass c) {
        long decision = fallback.tryAcquire(caller, fallbackClasses[c.index()]);
        if (decision >= 0) {
            fallbackAdmitted.increment();
        } else {
            fallbackRefused.increment();
        }
        return decision;
    }

    private void refill(String caller, RateClass c, Lease lease) {
        if (!lease.startRefill()) {
            return;
        }
        long wanted = lease.size() - lease.tokens(); // debt included
        long usedBefore = lease.used();
        if (wanted <= 0) {
            lease.failed(); // a grant landed since the take: nothing to ask
            return;
        }
        refills.increment();
        long asked = System.nanoTime();
        store.lease(caller, c, wanted).whenComplete((grant, e) -> {
            if (e == null) {
                long now = System.nanoTime();
                lease.granted(grant, wanted, usedBefore, now, DEMAND_WINDOW_NANOS);
                refillTimes.accept(now - asked);
            } else {
                refillFailures.increment();
                store.markDown(e);
                lease.failed();
            }
            refillsDone.increment();
        });
    }

    private Lease[] newLeases() {
        Lease[] l = new Lease[classes];
        for (int i = 0; i < classes; i++) {
            l[i] = new Lease(leaseSize, maxLease[i]);
        }
        return l;
    }

    /**
     * Drops callers none of whose leases was used since the previous sweep and none refilling. Their
     * tokens in hand are lost to everyone (under-admission); a debt (at most the lease's size) is
     * forgiven, once per sweep interval of idleness at most.
     */
    void evictIdle() {
        leases.entrySet().removeIf(e -> {
            boolean idle = true;
            for (Lease l : e.getValue()) {
                // every lease is looked at, so every mark is cleared for the next sweep
                idle &= !l.touchedSinceLastLook() & !l.refilling();
            }
            return idle;
        });
    }

    /** Callers whose leases are held (for tests and metrics). */
    public int callers() {
        return leases.size();
    }

    /**
     * Borrows a token against the next grant, growing the lease (up to its most) while it owes its whole
     * size: the caller outran a refill's round trip, which is no reason to refuse it.
     */
    private static boolean borrowGrowing(Lease lease) {
        while (!lease.borrow(lease.size())) {
            if (!lease.grow()) {
                return false;
            }
        }
        return true;
    }

    /** The size of a caller's lease of a class now (tokens), or 0 when it holds none (for tests). */
    long leaseSizeOf(String caller, RateClass c) {
        Lease[] l = leases.get(caller);
        return l == null ? 0 : l[c.index()].size();
    }

    /** Requests admitted from tokens in hand: decided locally, counted by the shared bucket. */
    @Override
    public long leaseAdmitted() {
        return leaseAdmitted.sum();
    }

    /** Requests admitted by the local fallback (a caller's first moments, a refill in flight, Redis down). */
    @Override
    public long fallbackAdmitted() {
        return fallbackAdmitted.sum();
    }

    /** Requests refused, by the shared bucket's last word or by the fallback. */
    public long refused() {
        return leaseRefused.sum() + fallbackRefused.sum();
    }

    /** Requests refused on the shared bucket's word (it said it is empty, or the lease owes a whole lease). */
    @Override
    public long leaseRefused() {
        return leaseRefused.sum();
    }

    /** Requests refused by the local fallback. */
    @Override
    public long fallbackRefused() {
        return fallbackRefused.sum();
    }

    /** Times Redis was marked down (a refill failed or timed out while it was up). */
    @Override
    public long markedDown() {
        return store.markedDown();
    }

    /**
     * @param nanos told, on Lettuce's I/O thread, each answered refill's time from asking to the answer in
     *     nanoseconds; it must be quick and never block
     */
    public void observeRefills(LongConsumer nanos) {
        this.refillTimes = nanos;
    }

    /** Refills asked of Redis. */
    public long refills() {
        return refills.sum();
    }

    /** Refills that failed or timed out (each marks Redis down). */
    public long refillFailures() {
        return refillFailures.sum();
    }

    /** Refills asked and not yet answered or failed. */
    public long refillsInFlight() {
        return refills.sum() - refillsDone.sum();
    }

    /** Whether decisions are shared (Redis up) rather than the fallback's alone. */
    @Override
    public boolean shared() {
        return store.up();
    }

    @Override
    public void close() {
        sweep.cancel(false);
        fallback.close();
        store.close();
    }
}
