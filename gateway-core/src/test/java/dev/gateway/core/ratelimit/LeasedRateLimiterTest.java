package dev.gateway.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gateway.core.config.GatewayConfig.RedisStoreConfig;
import dev.gateway.core.config.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LeasedRateLimiter} against a real redis-server: shared limits within the stated bound, one or two
 * replicas, and decisions that go on without Redis when it crashes or hangs.
 */
class LeasedRateLimiterTest {
    private static final RateClass READS = new RateClass(0, "trade.read", 200, 20);
    /** Fast enough that the requests of a test never reach its limit. */
    private static final RateClass FAST = new RateClass(1, "trade.write", 10_000, 200);
    private static final int LEASE = 10;
    /** Far above its callers' rate, with a burst that lets a lease grow to its most (MAX_GROWTH × LEASE). */
    private static final RateClass STEADY = new RateClass(2, "steady", 100_000, 10_000);

    private RedisServer redis;
    private ScheduledExecutorService background;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        background = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        background.shutdownNow();
        redis.close();
    }

    private LeasedRateLimiter limiter(int replicas, Duration timeout) {
        RedisLeaseStore store = new RedisLeaseStore(redis.address(), timeout, background, Duration.ofMillis(50));
        LeasedRateLimiter limiter = new LeasedRateLimiter(List.of(READS, FAST, STEADY), store, LEASE, replicas, background,
                Duration.ofSeconds(60));
        // The store connects asynchronously: the tests start from a connected one.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!limiter.shared()) {
            assertTrue(System.nanoTime() - deadline < 0, "not connected to redis-server within 20 s");
            LockSupport.parkNanos(1_000_000);
        }
        return limiter;
    }

    /** Calls tryAcquire as fast as it can for {@code nanos}; returns the admissions. */
    private static long hammer(RateLimiter limiter, String caller, long nanos) {
        long admitted = 0;
        long deadline = System.nanoTime() + nanos;
        while (System.nanoTime() - deadline < 0) {
            if (limiter.tryAcquire(caller, READS) >= 0) {
                admitted++;
            }
        }
        return admitted;
    }

    /** Calls tryAcquire about once a millisecond until {@code done}; fails after 20 s. */
    private static void acquireUntil(RateLimiter limiter, String caller, BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "not within 20 s: " + what);
            limiter.tryAcquire(caller, READS);
            LockSupport.parkNanos(1_000_000); // pacing, so the limiter's own threads get a core
        }
    }

    /** Waits for the refills in flight to land, so the counters are final. */
    private static void settle(LeasedRateLimiter limiter) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (limiter.refillsInFlight() > 0) {
            assertTrue(System.nanoTime() - deadline < 0, "refills still in flight after 20 s");
            Thread.onSpinWait();
        }
    }

    @Test
    void oneReplicaAdmitsTheRateTimesTheTimePlusTheBurst() {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofSeconds(1))) {
            long start = System.nanoTime();
            long admitted = hammer(limiter, "alice", TimeUnit.SECONDS.toNanos(3));
            settle(limiter);
            double seconds = (System.nanoTime() - start) / 1e9;
            double ideal = READS.perSecond() * seconds + READS.burst();
            // the lease in hand before the window (L) and the debt not yet paid back at its end (L)
            double bound = ideal + 2 * LEASE;
            System.out.printf("one replica: admitted %d in %.3f s (lease %d, fallback %d, refused %d, refills %d);"
                    + " rate×time+burst = %.1f, bound %.1f%n", admitted, seconds, limiter.leaseAdmitted(),
                    limiter.fallbackAdmitted(), limiter.refused(), limiter.refills(), ideal, bound);
            assertTrue(admitted <= bound, admitted + " > " + bound);
            assertTrue(admitted >= 0.95 * ideal, "the limit is not much stricter than set: " + admitted + " < 0.95 × " + ideal);
            assertEquals(0, limiter.refillFailures());
        }
    }

    /**
     * A steady caller under its limit refills about every half {@link LeasedRateLimiter#DEMAND_WINDOW_NANOS}
     * (its lease holds that window of its demand) once its rate has been measured over a whole window, not
     * every {@code leaseSize / 2} requests: after 1,000 requests paced 200 µs apart, 4,000 more would be 800
     * refills with a fixed lease of 10, and one per half window of their pacing with it (the bound follows
     * the time taken: a slow machine paces slower).
     */
    @Test
    void aSteadyCallerRefillsAboutEveryHalfDemandWindowNotEveryFewRequests() {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofSeconds(1))) {
            long refillsBefore = 0;
            long start = 0;
            for (int i = 0; i < 5_000; i++) {
                if (i == 1_000) { // some 200 ms in: two windows measured
                    refillsBefore = limiter.refills();
                    start = System.nanoTime();
                }
                long decision = limiter.tryAcquire("steady", STEADY);
                if (decision < 0) {
                    fail("request " + i + " refused under its limit (" + decision + "): lease refused "
                            + limiter.leaseRefused() + ", fallback refused " + limiter.fallbackRefused() + ", lease "
                            + limiter.leaseSizeOf("steady", STEADY) + ", refills " + limiter.refills());
                }
                LockSupport.parkNanos(200_000); // pacing: about 5,000 a second at most, far below the limit
            }
            settle(limiter);
            long refills = limiter.refills() - refillsBefore;
            double halfWindows = (double) (System.nanoTime() - start) / (LeasedRateLimiter.DEMAND_WINDOW_NANOS / 2);
            System.out.printf("steady caller: %d refills for the last 4,000 requests in %.0f half windows (%d for the"
                    + " first 1,000); lease now %d%n", refills, halfWindows, refillsBefore,
                    limiter.leaseSizeOf("steady", STEADY));
            assertTrue(refills <= 1.5 * halfWindows + 5, refills + " refills in " + halfWindows + " half windows");
            assertEquals(0, limiter.refused());
        }
    }

    /** A connection lost while nothing asks (an idle replica) marks the store down at once, and up again. */
    @Test
    void aLostConnectionMarksTheStoreDownWithoutARequestAndUpOnceRedisAnswers() throws Exception {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofSeconds(1))) {
            redis.kill();
            awaitShared(limiter, false);
            assertEquals(1, limiter.markedDown());
            assertEquals(0, limiter.refills(), "no request asked anything");
            redis.restart();
            awaitShared(limiter, true);
        }
    }

    private static void awaitShared(LeasedRateLimiter limiter, boolean shared) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (limiter.shared() != shared) {
            assertTrue(System.nanoTime() - deadline < 0, "shared() not " + shared + " within 20 s");
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * The demand is measured over a whole window: one request answered within a round trip is not a rate
     * of one per round trip (which would size the lease to the window's worth of it at once, up to its
     * most, and let one replica drain a caller's shared burst from its first request).
     */
    @Test
    void oneRequestLeavesTheLeaseAtItsConfiguredSize() {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofSeconds(1))) {
            assertTrue(limiter.tryAcquire("once", STEADY) >= 0);
            settle(limiter);
            assertTrue(limiter.tryAcquire("once", STEADY) >= 0);
            settle(limiter);
            assertEquals(LEASE, limiter.leaseSizeOf("once", STEADY));
        }
    }

    /**
     * A new caller faster than {@code leaseSize} requests per first round trip: while its first refill is
     * on its way (held here by a frozen Redis; a cold connection or a Redis that must be sent the script
     * again in production), what it borrows is decided by the fallback, not refused after {@code leaseSize}
     * requests because no grant had yet said the bucket is not what holds it back.
     */
    @Test
    void aNewCallerIsNotRefusedWhileItsFirstRefillIsOnItsWay() throws Exception {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofSeconds(5))) {
            redis.freeze();
            try {
                for (int i = 0; i < 100; i++) {
                    assertTrue(limiter.tryAcquire("newcomer", STEADY) >= 0, "request " + i + " refused");
                }
                assertEquals(1, limiter.refillsInFlight(), "the first refill, held by the frozen Redis");
                assertEquals(100, limiter.fallbackAdmitted());
            } finally {
                redis.thaw();
            }
            // The first grant was sized before the debt grew; the refills that follow pay the rest of it.
            for (int i = 0; i < 5 && limiter.leaseAdmitted() == 0; i++) {
                settle(limiter);
                assertTrue(limiter.tryAcquire("newcomer", STEADY) >= 0);
            }
            assertTrue(limiter.leaseAdmitted() > 0, "the debt paid, decisions come from the lease again");
            assertEquals(0, limiter.refillFailures());
        }
    }

    /**
     * {@code rateLimits.redis.address} as an operator writes it for an IPv6 Redis, {@code [::1]:PORT}, through
     * the configuration's parser to a shared decision (a URI built by pasting the address in was not
     * one Lettuce could parse).
     */
    @Test
    void aRedisOnAnIpv6AddressIsReachedThroughItsBracketedAddress() throws Exception {
        Assumptions.assumeTrue(ipv6Loopback(), "this machine has no IPv6 loopback (::1)");
        try (RedisServer v6 = RedisServer.start("::1")) {
            RedisStoreConfig settings = new RedisStoreConfig(
                    HostPort.parse("[::1]:" + v6.port(), "rateLimits.redis.address"), Duration.ofSeconds(1), LEASE,
                    1, Duration.ofMillis(50));
            try (LeasedRateLimiter limiter = LeasedRateLimiter.onRedis(List.of(READS, FAST), settings, background,
                    Duration.ofSeconds(60))) {
                acquireUntil(limiter, "v6", () -> limiter.leaseAdmitted() > 0, "a decision from a Redis lease");
                assertTrue(limiter.shared());
                assertEquals(0, limiter.refillFailures());
            }
        }
    }

    /** {@code rateLimits.redis.password}: a Redis with requirepass shares decisions with the right one. */
    @Test
    void aRedisThatAsksForAPasswordSharesDecisionsWithTheConfiguredOne() throws Exception {
        try (RedisServer locked = RedisServer.startWithPassword("s3cret-pw")) {
            RedisStoreConfig settings = new RedisStoreConfig(locked.address(), Duration.ofSeconds(1), LEASE, 1,
                    Duration.ofMillis(50), "", "s3cret-pw".getBytes(StandardCharsets.UTF_8));
            try (LeasedRateLimiter limiter = LeasedRateLimiter.onRedis(List.of(READS, FAST), settings, background,
                    Duration.ofSeconds(60))) {
                acquireUntil(limiter, "authed", () -> limiter.leaseAdmitted() > 0, "a decision from a lease");
                assertEquals(0, limiter.refillFailures());
            }
        }
    }

    /** A wrong password is a Redis that cannot be reached: decisions stay local, and it keeps trying. */
    @Test
    void aWrongPasswordLeavesDecisionsLocalAndIsTriedAgain() throws Exception {
        try (RedisServer locked = RedisServer.startWithPassword("s3cret-pw")) {
            RedisLeaseStore store = new RedisLeaseStore(locked.address(), "", "wrong".getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(1), background, Duration.ofMillis(50));
            try (LeasedRateLimiter limiter = new LeasedRateLimiter(List.of(READS, FAST), store, LEASE, 1, background,
                    Duration.ofSeconds(60))) {
                acquireUntil(limiter, "nobody", () -> store.connectFailures() >= 2, "two refused connections");
                assertFalse(limiter.shared());
                assertEquals(0, limiter.leaseAdmitted());
                assertTrue(limiter.fallbackAdmitted() > 0, "the fallback decided");
            }
        }
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aCallerUnderItsLimitIsDecidedFromItsLeaseAfterItsFirstRequest() {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofSeconds(1))) {
            for (int i = 0; i < 100; i++) {
                assertTrue(limiter.tryAcquire("grace", FAST) >= 0, "request " + i);
                settle(limiter); // the refill each take may start has landed before the next
            }
            assertEquals(1, limiter.fallbackAdmitted(), "the first request, before Redis had answered");
            assertEquals(99, limiter.leaseAdmitted());
            assertEquals(0, limiter.refused());
            assertTrue(limiter.refills() <= 100 / (LEASE / 2) + 1, "one refill per half a lease: " + limiter.refills());
        }
    }

    /**
     * A caller far below a very high limit but faster than a lease per Redis round trip: the lease grows to
     * the demand, so once it has (the first 200 ms), next to nothing is refused. With a fixed lease of 10
     * tokens (MAX_GROWTH 1) the caller finds it empty and owing whenever a round trip outlasts 10 requests,
     * and about a fifth of its requests are refused.
     */
    @Test
    void aFastCallerFarBelowItsLimitIsNotRefusedOnceItsLeaseHasGrown() {
        RateClass huge = new RateClass(2, "huge", 1_000_000_000, 1_000_000);
        RedisLeaseStore store = new RedisLeaseStore(redis.address(), Duration.ofSeconds(1), background, Duration.ofMillis(50));
        try (LeasedRateLimiter limiter = new LeasedRateLimiter(List.of(READS, FAST, huge), store, LEASE, 1, background,
                Duration.ofSeconds(60))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!limiter.shared()) {
                assertTrue(System.nanoTime() - deadline < 0, "not connected to redis-server within 20 s");
                LockSupport.parkNanos(1_000_000);
            }
            // 50,000 requests a second for 1.2 s, paced by the clock: a busy gateway's one caller.
            long start = System.nanoTime();
            long calls = 0;
            long refusedAfterGrowth = 0;
            long callsAfterGrowth = 0;
            while (calls < 60_000) {
                long due = start + calls * 20_000L;
                long late = System.nanoTime() - due;
                if (late > 1_000_000) {
                    // This thread was descheduled (a busy machine): the caller resumes its pace from now rather
                    // than making up the missed calls in one burst, which no caller at 50,000/s would send.
                    start += late;
                    due += late;
                }
                while (System.nanoTime() - due < 0) {
                    Thread.onSpinWait();
                }
                boolean admitted = limiter.tryAcquire("fast", huge) >= 0;
                if (System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(200)) {
                    callsAfterGrowth++;
                    if (!admitted) {
                        refusedAfterGrowth++;
                    }
                }
                calls++;
            }
            assertTrue(callsAfterGrowth > 40_000, "calls after the first 200 ms: " + callsAfterGrowth);
            assertTrue(refusedAfterGrowth <= callsAfterGrowth / 1000, "refused " + refusedAfterGrowth + " of "
                    + callsAfterGrowth + " far below a limit of 10^9/s (total refused " + limiter.refused() + ": by the lease "
                    + limiter.leaseRefused() + ", by the fallback " + limiter.fallbackRefused() + "; lease admitted "
                    + limiter.leaseAdmitted() + ", fallback admitted " + limiter.fallbackAdmitted() + ", refills "
                    + limiter.refills() + ", lease size now " + limiter.leaseSizeOf("fast", huge) + ")");
        }
    }

    @Test
    void aCallerIdleForAWholeSweepIntervalIsDropped() {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofSeconds(1))) {
            limiter.tryAcquire("henry", FAST);
            limiter.tryAcquire("ivy", FAST);
            settle(limiter);
            limiter.evictIdle(); // both were used since the limiter began
            assertEquals(2, limiter.callers());
            limiter.tryAcquire("ivy", FAST);
            settle(limiter);
            limiter.evictIdle(); // henry was not used since the last sweep
            assertEquals(1, limiter.callers());
            limiter.evictIdle();
            assertEquals(0, limiter.callers());
        }
    }

    @Test
    void twoReplicasSharingOneRedisStayWithinTheBound() throws Exception {
        try (LeasedRateLimiter a = limiter(2, Duration.ofSeconds(1)); LeasedRateLimiter b = limiter(2, Duration.ofSeconds(1))) {
            AtomicLong admittedB = new AtomicLong();
            long start = System.nanoTime();
            Thread other = new Thread(() -> admittedB.set(hammer(b, "bob", TimeUnit.SECONDS.toNanos(3))));
            other.start();
            long admittedA = hammer(a, "bob", TimeUnit.SECONDS.toNanos(3));
            other.join();
            settle(a);
            settle(b);
            double seconds = (System.nanoTime() - start) / 1e9;
            long admitted = admittedA + admittedB.get();
            double ideal = READS.perSecond() * seconds + READS.burst();
            // per replica: its lease in hand (L) and its debt (L)
            double bound = ideal + 2 * 2 * LEASE;
            System.out.printf("two replicas: admitted %d + %d = %d in %.3f s (fallback %d + %d); rate×time+burst = %.1f,"
                    + " bound %.1f%n", admittedA, admittedB.get(), admitted, seconds, a.fallbackAdmitted(),
                    b.fallbackAdmitted(), ideal, bound);
            assertTrue(admitted <= bound, admitted + " > " + bound);
            assertTrue(admitted >= 0.95 * ideal, admitted + " < 0.95 × " + ideal);
            assertTrue(admittedA > 0.25 * admitted && admittedB.get() > 0.25 * admitted, "both replicas are served");
        }
    }

    @Test
    void aCrashedRedisLeavesDecisionsToTheFallbackUntilItIsBack() throws Exception {
        try (LeasedRateLimiter limiter = limiter(2, Duration.ofMillis(200))) {
            acquireUntil(limiter, "carol", () -> limiter.leaseAdmitted() > 0, "a decision from a lease");
            redis.kill();
            acquireUntil(limiter, "carol", () -> !limiter.shared(), "the store marked down");
            // The lost connection marks it down whether a refill was asking or not (a refill that failed
            // first would too).
            assertEquals(1, limiter.markedDown(), "marked down once, however many refills failed");

            long fallbackBefore = limiter.fallbackAdmitted();
            long leaseBefore = limiter.leaseAdmitted();
            // A new caller while Redis is down is admitted by the fallback, its burst (20 / 2) and no more.
            long admitted = 0;
            for (int i = 0; i < 15; i++) {
                admitted += limiter.tryAcquire("dave", READS) >= 0 ? 1 : 0;
            }
            assertEquals(10, admitted, "the fallback's share of the burst");
            assertEquals(fallbackBefore + 10, limiter.fallbackAdmitted());
            assertEquals(leaseBefore, limiter.leaseAdmitted(), "no lease is used while Redis is down");

            redis.restart(); // same port; it forgot the script and every bucket
            acquireUntil(limiter, "carol", limiter::shared, "the probe finds Redis back");
            acquireUntil(limiter, "erin", () -> limiter.leaseAdmitted() > leaseBefore, "a decision from a lease again");
            System.out.printf("crash: refills %d, failed %d; lease %d, fallback %d, refused %d%n", limiter.refills(),
                    limiter.refillFailures(), limiter.leaseAdmitted(), limiter.fallbackAdmitted(), limiter.refused());
        }
    }

    @Test
    void aRedisDownAtStartFailsNothingAndIsUsedOnceItIsUp() throws Exception {
        redis.kill();
        RedisLeaseStore store = new RedisLeaseStore(redis.address(), Duration.ofMillis(200), background,
                Duration.ofMillis(50));
        try (LeasedRateLimiter limiter = new LeasedRateLimiter(List.of(READS, FAST), store, LEASE, 2, background,
                Duration.ofSeconds(60))) {
            assertFalse(limiter.shared(), "no Redis, no shared decisions");
            long admitted = 0;
            for (int i = 0; i < 15; i++) {
                admitted += limiter.tryAcquire("grace", READS) >= 0 ? 1 : 0;
            }
            assertEquals(10, admitted, "the fallback's share of the burst (20 / 2)");
            assertEquals(0, limiter.refills(), "nothing is asked of a store never connected");
            assertEquals(0, limiter.markedDown(), "never up, so never marked down");

            redis.restart();
            acquireUntil(limiter, "heidi", limiter::shared, "the probe connects");
            acquireUntil(limiter, "heidi", () -> limiter.leaseAdmitted() > 0, "a decision from a lease");
        }
    }

    /** A Redis that holds its connection open and answers nothing: the refill's timeout marks it down. */
    @Test
    void aRefillThatTimesOutMarksTheStoreDownOnce() throws Exception {
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofMillis(200))) {
            acquireUntil(limiter, "grace", () -> limiter.leaseAdmitted() > 0, "a decision from a lease");
            settle(limiter);
            redis.freeze();
            try {
                acquireUntil(limiter, "grace", () -> !limiter.shared(), "the store marked down by a timeout");
                assertTrue(limiter.refillFailures() > 0, "a refill timed out");
                assertEquals(1, limiter.markedDown());
            } finally {
                redis.thaw();
            }
            acquireUntil(limiter, "grace", limiter::shared, "the probe finds Redis answering again");
        }
    }

    @Test
    void aHungRedisNeverHoldsADecision() throws Exception {
        // An hour's timeout: a limiter that waited for Redis would not come back while it is frozen.
        try (LeasedRateLimiter limiter = limiter(1, Duration.ofHours(1))) {
            acquireUntil(limiter, "frank", () -> limiter.leaseAdmitted() > 0, "a decision from a lease");
            settle(limiter);
            redis.freeze();
            try {
                long decided = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    long n = 0;
                    for (int i = 0; i < 1000; i++) {
                        limiter.tryAcquire("frank", READS);
                        limiter.tryAcquire("new-caller-" + i, READS);
                        n += 2;
                    }
                    return n;
                });
                assertEquals(2000, decided);
                // Redis answered none of it: the refills asked are still in flight, none failed.
                assertTrue(limiter.refillsInFlight() > 0, "refills wait on the frozen Redis");
                assertEquals(0, limiter.refillFailures());
                assertTrue(limiter.fallbackAdmitted() >= 1000, "each new caller was decided by the fallback");
                assertTrue(limiter.shared(), "a slow answer is not yet a failure");
            } finally {
                redis.thaw();
            }
            settle(limiter);
            assertEquals(0, limiter.refillFailures(), "the answers came once Redis went on");
        }
    }
}
