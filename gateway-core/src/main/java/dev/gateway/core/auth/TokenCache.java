package dev.gateway.core.auth;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens whose signature and claims were checked, by the SHA-256 of the token, so that a caller reusing
 * its token pays for one hash instead of a signature check. Only verified tokens get in, so a flood of
 * forged ones cannot fill it.
 *
 * <p>Bounded by two generations: new entries go into the young one; when it holds half the capacity it
 * becomes the old one and the previous old one is dropped whole. A hit in the old generation moves the
 * entry to the young one, so tokens in use survive and a flood of distinct valid tokens costs at most
 * {@code capacity} entries. Reads take no lock; a race on the generation swap can lose an entry, which
 * only costs one more signature check.
 */
final class TokenCache {
    private final int generationSize;
    private volatile ConcurrentHashMap<Key, Principal> young;
    private volatile ConcurrentHashMap<Key, Principal> old;

    TokenCache(int capacity) {
        this.generationSize = Math.max(1, capacity / 2);
        this.young = new ConcurrentHashMap<>();
        this.old = new ConcurrentHashMap<>();
    }

    /** @return the principal of a cached token still valid at {@code nowMillis}, else {@code null} */
    Principal get(Key key, long nowMillis) {
        Principal p = young.get(key);
        if (p == null) {
            p = old.remove(key);
            if (p == null) {
                return null;
            }
            put(key, p);
        }
        if (nowMillis > p.notAfterMillis()) {
            young.remove(key);
            return null; // expired: the verifier says so, with its reason
        }
        return p;
    }

    void put(Key key, Principal p) {
        ConcurrentHashMap<Key, Principal> y = young;
        if (y.size() >= generationSize) {
            synchronized (this) { // only when a generation fills: once per generationSize verified tokens
                if (young == y) {
                    old = y;
                    young = y = new ConcurrentHashMap<>();
                } else {
                    y = young;
                }
            }
        }
        y.put(key, p);
    }

    int size() {
        return young.size() + old.size();
    }

    /** A token's SHA-256; equal tokens have equal keys, and no one can make two tokens share one. */
    static final class Key {
        private final byte[] sha256;
        private final int hash;

        Key(byte[] sha256) {
            this.sha256 = sha256;
            this.hash = (sha256[0] & 0xff) | (sha256[1] & 0xff) << 8 | (sha256[2] & 0xff) << 16 | sha256[3] << 24;
        }

        /** The key of the token that starts at {@code start} and runs to the end of {@code s}. */
        static Key of(CharSequence s, int start) {
            return new Key(Sha256.of(s, start));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(sha256, ((Key) o).sha256);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
