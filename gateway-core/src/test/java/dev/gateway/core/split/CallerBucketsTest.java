package dev.gateway.core.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CallerBucketsTest {
    @Test
    void theHashIsMurmur3AsTheReferenceComputesIt() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            byte[] data = new byte[random.nextInt(0, 64)]; // every tail length, empty included
            for (int j = 0; j < data.length; j++) {
                data[j] = (byte) random.nextInt(256);
            }
            assertEquals(Hashing.murmur3_32_fixed().hashBytes(data).asInt(), CallerBuckets.murmur3(data),
                    "length " + data.length);
        }
        String utf8 = "j:Zoë-東京";
        assertEquals(Hashing.murmur3_32_fixed().hashString(utf8, StandardCharsets.UTF_8).asInt(),
                CallerBuckets.murmur3(utf8.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCallersBucketIsFixedForGood() {
        // Pinned: a change here would move callers between stacks across a rolling restart.
        assertEquals(5739, CallerBuckets.bucket("j:alice"));
        assertEquals(8251, CallerBuckets.bucket("k:desk-7"));
        assertEquals(5262, CallerBuckets.bucket("a:10.1.2.3"));
    }

    @Test
    void aMillionIdentitiesAtTenPercentGiveTenPercentWithinATenth() {
        int other = 0;
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            if (CallerBuckets.toOther(CallerBuckets.bucket("j:user-" + i), 1_000)) {
                other++;
            }
        }
        double share = other * 100.0 / n;
        assertTrue(share >= 9.9 && share <= 10.1, share + " %");
    }

    @Test
    void raisingAWeightNeverMovesACallerBack() {
        for (int i = 0; i < 10_000; i++) {
            int bucket = CallerBuckets.bucket("k:desk-" + i);
            boolean before = CallerBuckets.toOther(bucket, 500);
            boolean after = CallerBuckets.toOther(bucket, 2_500);
            assertTrue(!before || after, "a caller moved back at bucket " + bucket);
        }
        assertFalse(CallerBuckets.toOther(0, 0), "weight 0 sends no one");
        assertTrue(CallerBuckets.toOther(CallerBuckets.BUCKETS - 1, CallerBuckets.BUCKETS), "full weight sends all");
    }

    @Test
    void identitiesOfDifferentKindsAreDifferentCallers() {
        assertEquals("a:10.1.2.3", CallerBuckets.identity(null, "10.1.2.3"));
    }
}
