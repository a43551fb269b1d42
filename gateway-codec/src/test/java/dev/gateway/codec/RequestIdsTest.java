package dev.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdsTest {
    private static final Pattern CONTRACT = Pattern.compile("^[A-Za-z0-9._-]{1,128}$");
    private static final Pattern ULID = Pattern.compile("^[0-7][0-9A-HJKMNP-TV-Z]{25}$");

    /** A Random whose nextLong answers are fixed, to see exactly how they are encoded. */
    private static Random fixed(long... longs) {
        return new Random() {
            private int i;

            @Override
            public long nextLong() {
                return longs[i++];
            }
        };
    }

    // --- isAcceptable ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "0", ".", "_", "-", "abc-DEF_123.xyz", "01JD5Y8W3K4Q2M0N6P7R8S9T0V",
            "550e8400-e29b-41d4-a716-446655440000", "...", "--"})
    void acceptsTheContractAlphabet(String id) {
        assertTrue(CONTRACT.matcher(id).matches(), "fixture sanity");
        assertTrue(RequestIds.isAcceptable(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "a/b", "/", "a\\b", "a:b", "a+b", "a=b", "a%20b", "a\tb", "a\nb",
            "a\u0000b", "caf\u00e9", "\u4e2d", "\ud83d\ude00", "a\u00a0", "\uff21", "\u0661", "a,b", "a;b", "a\"b",
            "{x}", "a~b", "a*b", "a@b", "a#b", "a?b"})
    void refusesAnythingElse(String id) {
        assertFalse(CONTRACT.matcher(id).matches(), "fixture sanity");
        assertFalse(RequestIds.isAcceptable(id));
    }

    @Test
    void lengthLimitIs128() {
        assertTrue(RequestIds.isAcceptable("a".repeat(1)));
        assertTrue(RequestIds.isAcceptable("a".repeat(127)));
        assertTrue(RequestIds.isAcceptable("a".repeat(128)));
        assertFalse(RequestIds.isAcceptable("a".repeat(129)));
        assertFalse(RequestIds.isAcceptable("a".repeat(1000)));
        assertFalse(RequestIds.isAcceptable("a".repeat(127) + " "));
    }

    @Test
    void agreesWithTheContractRegexOnEveryChar() {
        for (char c = 0; c < 0x3000; c++) {
            String id = "x" + c + "y";
            assertEquals(CONTRACT.matcher(id).matches(), RequestIds.isAcceptable(id), () -> "char U+" + Integer.toHexString(id.charAt(1)));
        }
    }

    @Test
    void acceptsOtherCharSequences() {
        assertTrue(RequestIds.isAcceptable(new StringBuilder("abc-1")));
        assertFalse(RequestIds.isAcceptable(new StringBuilder("abc 1")));
    }

    // --- newId -------------------------------------------------------------------------------

    @Test
    void newIdIs26CrockfordCharsAndAcceptable() {
        for (int i = 0; i < 1000; i++) {
            String id = RequestIds.newId();
            assertEquals(26, id.length());
            assertTrue(ULID.matcher(id).matches(), id);
            assertTrue(RequestIds.isAcceptable(id), id);
        }
    }

    @Test
    void newIdIsUniqueOver100kCalls() {
        Set<String> seen = new HashSet<>(200_000);
        for (int i = 0; i < 100_000; i++) {
            String id = RequestIds.newId();
            assertTrue(seen.add(id), () -> "duplicate " + id);
        }
        assertEquals(100_000, seen.size());
    }

    @Test
    void timePartEncodesEpochMillisBigEndian() {
        // the ULID spec's example time
        assertEquals("01ARYZ6S41", RequestIds.newId(1469918176385L, new Random(1)).substring(0, 10));
        assertEquals("0000000000", RequestIds.newId(0L, new Random(1)).substring(0, 10));
        assertEquals("0000000001", RequestIds.newId(1L, new Random(1)).substring(0, 10));
        assertEquals("000000000Z", RequestIds.newId(31L, new Random(1)).substring(0, 10));
        assertEquals("0000000010", RequestIds.newId(32L, new Random(1)).substring(0, 10));
        assertEquals("7ZZZZZZZZZ", RequestIds.newId((1L << 48) - 1, new Random(1)).substring(0, 10));
    }

    @Test
    void randomPartUsesFortyLowBitsOfEachLong() {
        assertEquals("0000000000" + "00000000" + "00000000", RequestIds.newId(0L, fixed(0L, 0L)));
        assertEquals("0000000000" + "ZZZZZZZZ" + "ZZZZZZZZ", RequestIds.newId(0L, fixed(-1L, -1L)));
        assertEquals("0000000000" + "00000001" + "0000000Z", RequestIds.newId(0L, fixed(1L, 31L)));
        // bits above the 40th do not show
        assertEquals("0000000000" + "00000000" + "00000000", RequestIds.newId(0L, fixed(1L << 40, 1L << 50)));
    }

    @Test
    void sameSeedSameId_differentSeedDifferentRandomPart() {
        assertEquals(RequestIds.newId(123L, new Random(7)), RequestIds.newId(123L, new Random(7)));
        String a = RequestIds.newId(123L, new Random(7));
        String b = RequestIds.newId(123L, new Random(8));
        assertEquals(a.substring(0, 10), b.substring(0, 10));
        assertNotEquals(a.substring(10), b.substring(10));
    }

    @Test
    void laterMillisecondSortsGreaterOnTheTimePrefix() {
        Random random = new Random(42);
        long base = 1_764_000_000_123L;
        long[] offsets = {1, 2, 31, 32, 33, 1000, 1023, 1024, 60_000, 86_400_000L, 365L * 86_400_000L};
        for (long offset : offsets) {
            String earlier = RequestIds.newId(base, random);
            String later = RequestIds.newId(base + offset, random);
            assertTrue(earlier.substring(0, 10).compareTo(later.substring(0, 10)) < 0,
                    () -> earlier + " !< " + later + " (offset " + offset + ")");
        }
        // across the whole range: strictly increasing time gives strictly increasing prefixes
        String previous = RequestIds.newId(0L, random).substring(0, 10);
        for (long t = 1; t < (1L << 48); t = t * 3 + 1) {
            String current = RequestIds.newId(t, random).substring(0, 10);
            assertTrue(previous.compareTo(current) < 0, previous + " !< " + current);
            previous = current;
        }
    }

    @Test
    void realIdsMadeInLaterMillisecondsSortGreater() throws InterruptedException {
        String first = RequestIds.newId();
        long t0 = System.currentTimeMillis();
        while (System.currentTimeMillis() <= t0 + 1) {
            Thread.sleep(1);
        }
        String second = RequestIds.newId();
        assertTrue(first.substring(0, 10).compareTo(second.substring(0, 10)) < 0, first + " !< " + second);
    }
}
