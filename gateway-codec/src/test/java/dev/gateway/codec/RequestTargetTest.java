package dev.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetTest {

    private static void assertRejected(String uri) {
        assertThrows(InvalidRequestTargetException.class, () -> RequestTarget.parse(uri),
                () -> "expected rejection of " + printable(uri));
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    // --- plain paths -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/", "/v1/trades", "/v1/trades/abc-123_X~y", "/v1/tasks/42/artifacts/", "/a//b",
            "/v1/trades/x.json", "/v1/trades/a..b", "/v1/trades/...", "/v1/trades/:id;v=1@x,y+z=1!$&'()*"})
    void plainPathIsReturnedUnchanged(String uri) {
        RequestTarget t = RequestTarget.parse(uri);
        assertEquals(uri, t.path());
        assertNull(t.query());
        assertEquals(uri, t.uri());
    }

    @Test
    void plainPathFastPathReturnsSameInstance() {
        String uri = new String("/v1/trades/123");
        assertSame(uri, RequestTarget.parse(uri).path());
    }

    @Test
    void tripleDotSegmentIsAnOrdinarySegmentEvenWhenEncoded() {
        assertEquals("/v1/trades/...", RequestTarget.parse("/v1/trades/%2e%2e%2e").path());
    }

    // --- query -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"x=1", "", "a=%2F%2e%2E&b=%zz&c=%", "q=..%2f..%5c", "a=b=c&&d", "x=%00%ff%u1234",
            "path=/v1/../admin", "s=a+b%20c", "k=\\v"})
    void queryIsKeptRawAndUnchanged(String query) {
        RequestTarget t = RequestTarget.parse("/v1/trades?" + query);
        assertEquals("/v1/trades", t.path());
        assertEquals(query, t.query());
        assertEquals("/v1/trades?" + query, t.uri());
    }

    @Test
    void onlyFirstQuestionMarkSplits() {
        RequestTarget t = RequestTarget.parse("/v1/trades?a=1?b=2");
        assertEquals("/v1/trades", t.path());
        assertEquals("a=1?b=2", t.query());
    }

    @Test
    void queryIsUntouchedWhenPathIsNormalised() {
        RequestTarget t = RequestTarget.parse("/v1/./tr%61des?x=%61&y=%2e%2e");
        assertEquals("/v1/trades", t.path());
        assertEquals("x=%61&y=%2e%2e", t.query());
        assertEquals("/v1/trades?x=%61&y=%2e%2e", t.uri());
    }

    @Test
    void queryWithoutPathIsRejected() {
        // "?x" does not start with "/", so it is neither origin-form nor absolute-form
        assertRejected("?x=1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades?x=1#frag", "/v1/trades?#", "/?a=b#c"})
    void fragmentInQueryIsRejected(String uri) {
        assertRejected(uri);
    }

    @Test
    void fragmentInPathIsRejected() {
        assertRejected("/v1/trades/1#x");
        assertRejected("/v1/trades#");
        assertRejected("/v1/trades#x?y=1");
    }

    // --- percent-decoding --------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "/v1/trades/%41, /v1/trades/A",
        "/%61%62%63, /abc",
        "/v1/tr%61des, /v1/trades",
        "/v1/%74rades/%31%32%33, /v1/trades/123",
        "/x/%7e%7E%2d%2D%5f%5F%2e, /x/~~--__.",
        "/x/%30%39, /x/09",
        "/%5A%7a, /Zz",
    })
    void unreservedEscapesAreDecoded(String in, String expected) {
        assertEquals(expected, RequestTarget.parse(in).path());
    }

    @ParameterizedTest
    @CsvSource({
        "/v1/trades/a%3ab, /v1/trades/a%3Ab",
        "/v1/trades/a%3Ab, /v1/trades/a%3Ab",
        "/x/%20, /x/%20",
        "/x/%25, /x/%25",
        "/x/%25%34%31, /x/%2541",
        "/x/%ff%fE, /x/%FF%FE",
        "/x/%c3%a9, /x/%C3%A9",
        "/x/%3f%23%26, /x/%3F%23%26",
        "/x/%7f, /x/%7F",
        "/x/%01, /x/%01",
    })
    void reservedAndNonAsciiEscapesAreKeptWithUppercaseHex(String in, String expected) {
        assertEquals(expected, RequestTarget.parse(in).path());
    }

    @Test
    void doubleEncodingIsNotDecodedTwice() {
        // %252e is "%2e" encoded once more: it must stay an escape, not become "."
        assertEquals("/v1/%252e%252e/admin", RequestTarget.parse("/v1/%252e%252e/admin").path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades/a%2fb", "/v1/trades/a%2Fb", "/v1/trades/%2f", "/%2F", "/v1/trades/a%5cb",
            "/v1/trades/a%5Cb", "/%5c..%5cadmin", "/v1/trades/%2e%2e%2fadmin"})
    void encodedSlashOrBackslashIsRejected(String uri) {
        assertRejected(uri);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades/..", "/v1/trades/../../admin", "/../admin", "/..", "/v1/../v1/trades",
            "/v1/trades/%2e%2e", "/v1/trades/%2E%2E", "/v1/trades/.%2E", "/v1/trades/.%2e", "/v1/trades/%2e.",
            "/v1/trades/%2E./admin", "/v1/trades/%2e%2e/%2e%2e/admin", "/v1/trades/../", "/v1/./../x",
            "http://h/v1/../admin", "/v1/trades/..?x=1"})
    void dotDotSegmentsAreRejected(String uri) {
        assertRejected(uri);
    }

    @ParameterizedTest
    @CsvSource({
        "/v1/./trades, /v1/trades",
        "/./v1/trades, /v1/trades",
        "/v1/trades/., /v1/trades/",
        "/v1/trades/./, /v1/trades/",
        "/v1/%2e/trades, /v1/trades",
        "/v1/%2E/trades, /v1/trades",
        "/v1/././trades/./x, /v1/trades/x",
        "/., /",
        "/./, /",
        "/.hidden/x, /.hidden/x",
        "/v1/.x, /v1/.x",
    })
    void singleDotSegmentsAreRemoved(String in, String expected) {
        assertEquals(expected, RequestTarget.parse(in).path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades/%00", "/v1/trades/a%00b", "/%00/x", "/v1/trades/%00.json"})
    void encodedNulIsRejected(String uri) {
        assertRejected(uri);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades/%", "/v1/trades/%4", "/v1/trades/%zz", "/v1/trades/%4g", "/v1/trades/%g4",
            "/%", "/%/x", "/%4/x", "/v1/%-1/x", "/v1/%+1/x", "/v1/% 1", "/v1/%%41"})
    void brokenEscapesAreRejected(String uri) {
        assertRejected(uri);
    }

    @Test
    void escapesWithNonAsciiHexDigitsAreRejected() {
        assertRejected("/v1/trades/%\u0664\u0661"); // Arabic-Indic "41"
        assertRejected("/v1/trades/%\uFF14\uFF11"); // fullwidth "41"
        assertRejected("/v1/trades/%\uFF13\uFF21"); // fullwidth "3A"
        assertRejected("/v1/trades/%\u0662e%\u0662e"); // would be ".." if decoded
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1\\trades", "/v1/trades\\..\\admin", "/\\", "/v1/trades/a\\b", "/v1/%41\\x"})
    void rawBackslashIsRejected(String uri) {
        assertRejected(uri);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades/a b", "/v1/trades/a\tb", "/v1/trades/\u0000", "/v1/trades/\r\n",
            "/v1/trades/\u001f", "/v1/trades/\u007f", "/v1/trades/caf\u00e9", "/v1/trades/\u4e2d",
            "/v1/trades/\ud83d\ude00", "/v1/trades/\u0085", "/v1/%41 ", "/ ", "/v1/./a b"})
    void controlSpaceAndNonAsciiCharactersAreRejected(String uri) {
        assertRejected(uri);
    }

    // --- absolute form -----------------------------------------------------------------------

    @Test
    void absoluteFormIsReducedToPathAndQuery() {
        RequestTarget t = RequestTarget.parse("http://host:8080/v1/trades?x=1");
        assertEquals("/v1/trades", t.path());
        assertEquals("x=1", t.query());
        assertEquals("/v1/trades?x=1", t.uri());
    }

    @Test
    void absoluteFormSchemeIsCaseInsensitive() {
        RequestTarget t = RequestTarget.parse("HTTPS://h/p");
        assertEquals("/p", t.path());
        assertNull(t.query());
        assertEquals("/p", t.uri());
        assertEquals("/v1/trades", RequestTarget.parse("Http://h/v1/trades").path());
        assertEquals("h", RequestTarget.parse("Http://h/v1/trades").authority());
    }

    @Test
    void absoluteFormKeepsItsAuthorityForTheForwardedHost() {
        assertEquals("evil.example", RequestTarget.parse("http://evil.example/v1/trades").authority());
        assertEquals("h:8443", RequestTarget.parse("https://h:8443/v1/trades?x=1").authority());
        assertEquals("[::1]:80", RequestTarget.parse("http://[::1]:80/v1").authority());
        assertNull(RequestTarget.parse("/v1/trades").authority());
    }

    @Test
    void absoluteFormWithoutPathIsTheRoot() {
        RequestTarget t = RequestTarget.parse("http://h?x=1");
        assertEquals("/", t.path());
        assertEquals("x=1", t.query());
        assertEquals("/", RequestTarget.parse("http://h").path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://user@h:443/v1/trades", "http://u:p@evil.example/v1", "http:///v1/trades",
            "http://a b/v1", "http://h:99999/v1", "http://h:-1/v1", "http://h:/v1", "http://[::1/v1",
            "http://ex%ample/v1", "http://h\\x/v1", "ftp://h/v1", "h:443", "*", "http:/h/v1"})
    void absoluteFormWithABadAuthorityOrSchemeAndOtherFormsAreRejected(String uri) {
        assertRejected(uri);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades?a=b c", "/v1/trades?a=\u0000", "/v1/trades?a=\r\nX-Evil: 1",
            "/v1/trades?a=\u007f", "/v1/trades?\t"})
    void controlCharactersInTheQueryAreRejected(String uri) {
        assertRejected(uri);
    }

    @Test
    void absoluteFormPathIsNormalisedToo() {
        RequestTarget t = RequestTarget.parse("http://h/v1/./tr%61des?q=%2e%2e");
        assertEquals("/v1/trades", t.path());
        assertEquals("q=%2e%2e", t.query());
        assertRejected("http://h/v1/%2fadmin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://x/y", "*", "", "v1/trades", "x", "://h/p", "httpx://h/p", "htt://h/p",
            "file:///etc/passwd", "ws://h/v1/trades", "http:/h/p",
            "mailto:a@b", "javascript://h/p"})
    void nonPathTargetsAreRejected(String uri) {
        assertRejected(uri);
    }

    // --- uri() -------------------------------------------------------------------------------

    @Test
    void uriIsPathPlusQuestionMarkPlusQuery() {
        RequestTarget t = RequestTarget.parse("/v1/%41?b=%2f&a");
        assertEquals("/v1/A", t.path());
        assertEquals("b=%2f&a", t.query());
        assertEquals(t.path() + "?" + t.query(), t.uri());
        assertEquals("/v1/A?b=%2f&a", t.uri());
    }

    @Test
    void emptyQueryIsKeptDistinctFromNoQuery() {
        RequestTarget withEmpty = RequestTarget.parse("/v1/trades?");
        assertEquals("", withEmpty.query());
        assertEquals("/v1/trades?", withEmpty.uri());
        RequestTarget without = RequestTarget.parse("/v1/trades");
        assertNull(without.query());
        assertEquals("/v1/trades", without.uri());
    }

    @Test
    void exceptionIsStacklessAndSaysWhy() {
        InvalidRequestTargetException e =
                assertThrows(InvalidRequestTargetException.class, () -> RequestTarget.parse("/v1/%2e%2e/x"));
        assertEquals(0, e.getStackTrace().length);
        assertEquals("dot-dot segment in path", e.getMessage());
        assertEquals("encoded slash in path segment",
                assertThrows(InvalidRequestTargetException.class, () -> RequestTarget.parse("/a%2fb")).getMessage());
    }
}
