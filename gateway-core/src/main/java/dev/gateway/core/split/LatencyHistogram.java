package dev.gateway.core.split;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed log-linear histogram of latencies in nanoseconds, counted lock-free from any thread: each power
 * of two is cut into 16 buckets of equal width (values below 16 ns each have their own), up to
 * {@link #MAX_NANOS} (about 18 minutes; longer values are counted as that). A percentile is reported as the
 * middle of its bucket, so it is within {@link #RELATIVE_ERROR} (1/32, 3.2 %) of the exact value at the same
 * rank. 592 buckets, one {@code long} each; counting is one {@code getAndIncrement} on one of them.
 */
final class LatencyHistogram {
    /** The largest value told apart from larger ones: 2^40 - 1 ns. */
    static final long MAX_NANOS = (1L << 40) - 1;
    /** A reported percentile differs from the exact one at the same rank by at most this share of it. */
    static final double RELATIVE_ERROR = 1.0 / 32;

    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS; // buckets per power of two
    static final int BUCKETS = index(MAX_NANOS) + 1;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void record(long nanos) {
        counts.getAndIncrement(index(nanos));
    }

    /** Counts nothing again. Increments racing with it may be kept or lost. */
    void reset() {
        for (int i = 0; i < BUCKETS; i++) {
            counts.set(i, 0);
        }
    }

    /**
     * The value at rank {@code ceil(quantile × count)} (the nearest-rank percentile), as the middle of its
     * bucket; {@code 0} when nothing was counted.
     */
    long percentile(double quantile) {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            total += counts.get(i);
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return middle(i);
            }
        }
        return middle(BUCKETS - 1); // counts grew while we read them
    }

    static int index(long nanos) {
        long v = Math.min(Math.max(nanos, 0), MAX_NANOS);
        if (v < SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
        int sub = (int) (v >>> (exponent - SUB_BITS)) - SUB; // 0..15
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** The middle of bucket {@code index}: its lowest value plus half its width. */
    static long middle(int index) {
        if (index < SUB) {
            return index;
        }
        int exponent = index / SUB + SUB_BITS - 1;
        int shift = exponent - SUB_BITS;
        long lowest = (long) (SUB + index % SUB) << shift;
        return lowest + ((1L << shift) >>> 1);
    }
}
