package dev.gateway.core.split;

import dev.gateway.core.auth.Principal;
import java.nio.charset.StandardCharsets;

/**
 * Sticky buckets for weighted splits between targets: a caller's identity is hashed into one of
 * {@link #BUCKETS} buckets, and a route with a weight of {@code w} basis points sends the buckets below
 * {@code w} to its other target. The same caller lands in the same bucket on every request, replica and
 * restart (the hash is MurmurHash3 x86 32-bit with seed 0 over the identity's UTF-8 bytes: no per-process
 * seed, no JVM hash code), and raising a weight only ever moves callers one way.
 */
public final class CallerBuckets {
    /** Buckets, so a weight is in basis points: 1,000 is 10 %. */
    public static final int BUCKETS = 10_000;

    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private CallerBuckets() {
    }

    /**
     * The identity a caller is split by: its JWT {@code sub}, API key name or certificate subject, else its
     * address.
     * Each kind is prefixed, so a subject and a key name spelled alike are different callers.
     *
     * @param caller who authenticated, or {@code null} for an open operation
     * @param clientAddress the client's IP address
     */
    public static String identity(Principal caller, String clientAddress) {
        if (caller == null) {
            return "a:" + clientAddress;
        }
        return caller.callerKey(); // "j:" + sub, "k:" + key name, or "c:" + certificate subject
    }

    /** @return the identity's bucket, {@code 0} to {@code BUCKETS - 1} */
    public static int bucket(String identity) {
        return (int) (Integer.toUnsignedLong(murmur3(identity.getBytes(StandardCharsets.UTF_8))) % BUCKETS);
    }

    /**
     * Whether a caller in {@code bucket} goes to the route's other target.
     *
     * @param weight the other target's share in basis points, {@code 0} (none) to {@code BUCKETS} (all)
     */
    public static boolean toOther(int bucket, int weight) {
        return bucket < weight;
    }

    /** MurmurHash3, x86 32-bit variant, seed 0 (Austin Appleby's reference, public domain). */
    static int murmur3(byte[] data) {
        int h = 0;
        int n = data.length;
        int blocks = n & ~3;
        for (int i = 0; i < blocks; i += 4) {
            int k = (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | (data[i + 3] & 0xff) << 24;
            h ^= mix(k);
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int k = 0;
        switch (n & 3) {
            case 3:
                k ^= (data[blocks + 2] & 0xff) << 16;
                // fall through
            case 2:
                k ^= (data[blocks + 1] & 0xff) << 8;
                // fall through
            case 1:
                k ^= data[blocks] & 0xff;
                h ^= mix(k);
                break;
            default:
                break;
        }
        h ^= n;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int mix(int k) {
        return Integer.rotateLeft(k * C1, 15) * C2;
    }
}
