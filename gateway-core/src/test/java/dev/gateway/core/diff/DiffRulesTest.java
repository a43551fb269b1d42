package dev.gateway.core.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DiffRulesTest {
    private static String refused(List<String> headers, List<String> ignore, Map<String, String> arrays) {
        return assertThrows(IllegalArgumentException.class, () -> DiffRules.of(headers, ignore, arrays)).getMessage();
    }

    @Test
    void badRulesNameTheOffendingEntry() {
        assertEquals("ignore[1] 'requestId': a pattern is a JSON pointer and starts with '/'",
                refused(List.of(), List.of("/ok", "requestId"), Map.of()));
        assertEquals("ignore[0] '/a/~2b': '~' must be followed by 0 or 1 (RFC 6901)",
                refused(List.of(), List.of("/a/~2b"), Map.of()));
        assertEquals("ignore[0] '/a~': '~' must be followed by 0 or 1 (RFC 6901)",
                refused(List.of(), List.of("/a~"), Map.of()));
        assertEquals("ignore[0] '': a pattern is a JSON pointer and starts with '/'",
                refused(List.of(), List.of(""), Map.of()));
        assertEquals("arrays 'items': a pattern is a JSON pointer and starts with '/'",
                refused(List.of(), List.of(), Map.of("items", "set")));
        assertEquals("arrays '/items' mode 'bag': unknown array mode; use ordered, set or key:FIELD",
                refused(List.of(), List.of(), Map.of("/items", "bag")));
        assertEquals("arrays '/items' mode 'key:': 'key:' needs a member name, as in key:id",
                refused(List.of(), List.of(), Map.of("/items", "key:")));
        assertEquals("arrays '/items' mode 'SET': unknown array mode; use ordered, set or key:FIELD",
                refused(List.of(), List.of(), Map.of("/items", "SET")));
        assertEquals("headers[1] 'x api key': a header name is a non-empty token (RFC 9110 §5.1)",
                refused(List.of("etag", "x api key"), List.of(), Map.of()));
        assertEquals("headers[0] '': a header name is a non-empty token (RFC 9110 §5.1)",
                refused(List.of(""), List.of(), Map.of()));
        List<String> withNull = new ArrayList<>(Arrays.asList((String) null));
        assertTrue(refused(List.of(), withNull, Map.of()).startsWith("ignore[0] 'null'"));
    }

    @Test
    void goodRulesAreRead() {
        DiffRules rules = DiffRules.of(List.of("ETag", "etag", "X-Trace"), List.of("/a~1b/~0"),
                Map.of("/items", "key:sku", "/tags", "set", "/list", "ordered"));
        assertEquals(List.of("etag", "x-trace"), rules.headers());
        assertTrue(rules.ignored(List.of("a/b", "~")));
        assertEquals(new ArrayMode(ArrayMode.Kind.KEYED, "sku"), rules.arrayMode(List.of("items")));
        assertEquals(ArrayMode.SET, rules.arrayMode(List.of("tags")));
        assertEquals(ArrayMode.ORDERED, rules.arrayMode(List.of("list")));
        assertEquals(ArrayMode.ORDERED, rules.arrayMode(List.of("other")));
    }

    @Test
    void patternsMatchOneTokenWithStarAndAnyWithTwo() {
        PointerPattern star = PointerPattern.parse("/items/*/updatedAt");
        assertTrue(star.matches(List.of("items", 3, "updatedAt"), true));
        assertTrue(star.matches(List.of("items", "x", "updatedAt"), true));
        assertFalse(star.matches(List.of("items", "updatedAt"), true));
        assertFalse(star.matches(List.of("items", 1, 2, "updatedAt"), true));
        assertTrue(star.matches(List.of("items", 3, "updatedAt"), false), "a wildcard matches an index always");

        PointerPattern any = PointerPattern.parse("/**/traceId");
        assertTrue(any.matches(List.of("traceId"), true));
        assertTrue(any.matches(List.of("a", 0, "b", "traceId"), true));
        assertFalse(any.matches(List.of("a", "traceId", "b"), true));
        assertFalse(any.matches(List.of(), true));

        assertTrue(PointerPattern.parse("/**").matches(List.of(), true), "the whole document");
        assertTrue(PointerPattern.parse("/a/**/b/**").matches(List.of("a", "b"), true));
        assertTrue(PointerPattern.parse("/a/**/b/*").matches(List.of("a", "x", "b", "b", "c"), true));

        PointerPattern index = PointerPattern.parse("/list/0");
        assertTrue(index.matches(List.of("list", 0), true));
        assertFalse(index.matches(List.of("list", 0), false), "arrays patterns name no index");
        assertTrue(index.matches(List.of("list", "0"), false), "a member named 0 is a member");

        assertTrue(PointerPattern.parse("/").matches(List.of(""), true), "RFC 6901: the member named ''");
    }
}
