package dev.gateway.core.ratelimit;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One replica's tokens in hand for one caller and class, leased from the shared bucket, and what it knows
 * of that bucket. Read and written from any event loop (takes) and from Redis's I/O thread (grants).
 */
final class Lease {
    /**
     * Tokens in hand. Below zero it is debt: requests the local fallback admitted while no lease was in
     * hand, paid back from the next grant so that they count against the shared bucket too.
     */
    private final AtomicLong tokens = new AtomicLong();
    /** Set while one refill is in flight: at most one per lease. */
    private final AtomicBoolean refilling = new AtomicBoolean();
    /** {@link System#nanoTime} before which the shared bucket said it is empty: no refill, no fallback. */
    private volatile long emptyUntil = System.nanoTime(); // nanoTime is compared by difference: no MIN_VALUE
    /** Used since the last sweep; plain writes, a lost one only makes an idle lease live one sweep longer. */
    private volatile boolean touched = true;
    /** Tokens taken or borrowed so far: what the caller asked of this replica, for sizing the next refill. */
    private final AtomicLong used = new AtomicLong();
    /**
     * Tokens this lease holds at most, and may owe at most: the configured lease size, grown to the
     * caller's demand while its grants are full (a caller faster than a lease per Redis round trip would
     * otherwise find it empty and owing, and be refused far below its limit; one steady caller would refill
     * every few requests), never above {@code max}. See {@link #resize}.
     */
    private volatile long size;
    /**
     * Whether the last grant was all that was asked: the shared bucket is not what holds the caller back,
     * the round trip is, so the lease may grow. A caller at its limit gets partial grants and keeps its size.
     * True before the first grant: nothing says the bucket holds the caller back yet, and a new caller's
     * first refill can take several round trips (a cold connection; a Redis that restarted and must be
     * sent the script again), during which a fast caller would otherwise be refused after
     * {@code leaseSize} requests. What it borrows meanwhile the fallback decides, within the lease's most.
     */
    private volatile boolean lastGrantFull = true;
    /*
     * The caller's demand, measured over at least one demand window: when the window under way began
     * (System.nanoTime), what was used by then, and the tokens used per window in the last whole one.
     * Plain fields: written by grants alone, one at a time (each before the refill flag is cleared, and the
     * next grant's refill was claimed after that: the flag orders them).
     */
    private long windowStart = System.nanoTime();
    private long usedAtWindowStart;
    private long demandPerWindow;
    private final long base;
    private final long max;

    /**
     * @param base the configured lease size (tokens, 1 or more)
     * @param max the most it may grow to (tokens, at least {@code base})
     */
    Lease(long base, long max) {
        this.base = base;
        this.max = Math.max(base, max);
        this.size = base;
    }

    /** Takes one token in hand, if there is one; returns the tokens left, or -1 when none was taken. */
    long take() {
        touched = true;
        while (true) {
            long t = tokens.get();
            if (t <= 0) {
                return -1;
            }
            if (tokens.compareAndSet(t, t - 1)) {
                used.incrementAndGet();
                return t - 1;
            }
        }
    }

    /**
     * Borrows one token from the next grant, for a request the fallback is about to decide while no token
     * is in hand; false when {@code maxDebt} tokens are owed already. The cap is what keeps replicas from
     * running up debts the shared bucket never pays: its grants go to whoever asks first, not to whoever
     * owes.
     */
    boolean borrow(long maxDebt) {
        while (true) {
            long t = tokens.get();
            if (t <= -maxDebt) {
                return false;
            }
            if (tokens.compareAndSet(t, t - 1)) {
                used.incrementAndGet();
                return true;
            }
        }
    }

    /** Gives back a token borrowed for a request the fallback then refused: neither owed nor demand served. */
    void giveBack() {
        tokens.incrementAndGet();
        used.decrementAndGet();
    }

    /** Tokens taken or borrowed since the lease was made. */
    long used() {
        return used.get();
    }

    /** The lease's size now (tokens): what a refill fills it to, and the most it may owe. */
    long size() {
        return size;
    }

    /**
     * Sizes the lease for the caller's demand, at a grant: when that grant was all that was asked, at once
     * up to twice what was used while the refill was on its way (so a lease outlasts a round trip), or to
     * one demand window of the caller's rate over the last whole window, whichever is more (so a steady
     * caller refills about every half window, not every few requests: each refill is a Redis command, some
     * CPU on both sides); down by a sixteenth per refill at most (round trips vary: one quick answer must not
     * leave the lease too small for the next slow one); always within the configured size and {@code max}.
     * The rate is measured over a whole window at least, so one request answered within a round trip is
     * not taken for a rate of one per round trip.
     */
    private void resize(long usedDuringRefill, long now, long demandWindowNanos) {
        long usedNow = used.get();
        long elapsed = now - windowStart;
        if (elapsed >= demandWindowNanos && elapsed > 0) {
            demandPerWindow = (long) Math.ceil((double) (usedNow - usedAtWindowStart) * demandWindowNanos / elapsed);
            windowStart = now;
            usedAtWindowStart = usedNow;
        }
        long s = size;
        // At its limit (a short grant), no more on credit.
        long wanted = lastGrantFull ? Math.max(2 * usedDuringRefill, demandPerWindow) : base;
        // A lost update against grow() on an event loop only leaves one of two sizes, both within max.
        size = Math.min(max, Math.max(base, Math.max(wanted, s - s / 16)));
    }

    /**
     * Doubles the lease, up to {@code max}, for a caller that found it empty and owing its whole size
     * while a refill was on its way: the demand outran a round trip. Returns false when it is at {@code max},
     * or when the last grant was short of what was asked (the caller is at its limit: growing would only
     * lend it more).
     */
    boolean grow() {
        long s = size;
        if (s >= max || !lastGrantFull) {
            return false;
        }
        size = Math.min(max, 2 * s);
        return true;
    }

    /** Tokens in hand (below zero: owed). */
    long tokens() {
        return tokens.get();
    }

    /** Whether the shared bucket said it is empty until after {@code now} ({@link System#nanoTime}). */
    boolean emptyAt(long now) {
        return emptyUntil - now > 0;
    }

    /** Nanoseconds from {@code now} until the shared bucket has a token, as it last said (0 if it has). */
    long emptyFor(long now) {
        return Math.max(0, emptyUntil - now);
    }

    /** Claims the one refill; false when one is already in flight. */
    boolean startRefill() {
        return refilling.compareAndSet(false, true);
    }

    /**
     * A refill came back: adds the grant to the tokens in hand (paying debt first), notes until when the
     * bucket is empty when it gave less than asked, sizes the lease for the caller's demand, and only then
     * lets the next refill start.
     *
     * @param wanted the tokens the refill asked for
     * @param usedBefore {@link #used} when the refill started
     * @param now {@link System#nanoTime} of the grant
     * @param demandWindowNanos how long a full lease should last at the caller's rate
     */
    void granted(Grant grant, long wanted, long usedBefore, long now, long demandWindowNanos) {
        tokens.addAndGet(grant.granted());
        lastGrantFull = grant.granted() >= wanted;
        if (grant.granted() < wanted) {
            emptyUntil = now + grant.waitMicros() * 1000;
        }
        resize(used.get() - usedBefore, now, demandWindowNanos);
        refilling.set(false);
    }

    /** A refill failed; the next may start. */
    void failed() {
        refilling.set(false);
    }

    boolean refilling() {
        return refilling.get();
    }

    /** Whether it was used since the last call; clears the mark. */
    boolean touchedSinceLastLook() {
        boolean t = touched;
        touched = false;
        return t;
    }
}
