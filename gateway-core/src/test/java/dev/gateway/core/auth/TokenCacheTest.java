package dev.gateway.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
    private static Principal caller(String sub, long notAfter) {
        return new Principal(sub, Principal.JWT, List.of("trades:read"), notAfter);
    }

    @Test
    void aFloodOfDistinctTokensStaysWithinCapacityAndTheTokenInUseSurvives() {
        TokenCache cache = new TokenCache(1_000);
        TokenCache.Key hot = TokenCache.Key.of("hot.token.value", 0);
        Principal p = caller("hot", Long.MAX_VALUE);
        cache.put(hot, p);
        for (int i = 0; i < 100_000; i++) {
            cache.put(TokenCache.Key.of("flood." + i, 0), caller("f" + i, Long.MAX_VALUE));
            if (i % 400 == 0) {
                assertSame(p, cache.get(hot, 0), "the token in use is kept at " + i);
            }
            assertTrue(cache.size() <= 1_000, "size " + cache.size() + " at " + i);
        }
    }

    @Test
    void anExpiredEntryIsNotServed() {
        TokenCache cache = new TokenCache(10);
        TokenCache.Key key = TokenCache.Key.of("Bearer a.b.c", 7);
        cache.put(key, caller("x", 1_000));
        assertEquals("x", cache.get(key, 1_000).subject());
        assertNull(cache.get(key, 1_001));
        assertNull(cache.get(key, 0), "and it is gone");
    }

    @Test
    void keysAreTheTokensDigestWhereverItStarts() {
        assertEquals(TokenCache.Key.of("Bearer a.b.c", 7), TokenCache.Key.of("a.b.c", 0));
        assertTrue(!TokenCache.Key.of("a.b.c", 0).equals(TokenCache.Key.of("a.b.d", 0)));
        String longToken = "x".repeat(5000);
        assertEquals(TokenCache.Key.of(longToken, 0), TokenCache.Key.of("Bearer " + longToken, 7));
    }
}
