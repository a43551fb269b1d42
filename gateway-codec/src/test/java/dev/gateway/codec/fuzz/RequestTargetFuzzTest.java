package dev.gateway.codec.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gateway.codec.InvalidRequestTargetException;
import dev.gateway.codec.RequestTarget;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@link RequestTarget#parse} either refuses a target with {@link InvalidRequestTargetException} or
 * returns one the gateway can route and forward safely; any other exception is a bug. Safely: a path
 * that starts with {@code /}, holds no {@code ..} or {@code .} segment, no raw or encoded {@code /},
 * {@code \} or NUL inside a segment, only printable ASCII and no escaped unreserved character; the
 * query passed on as it came, without controls; the authority of an absolute-form target and no other;
 * and parsing what is forwarded ({@link RequestTarget#uri}) again gives the same path and query.
 *
 * <p>The input's bytes are read as UTF-8 (malformed sequences become U+FFFD), so a seed file is the
 * request target as text. Seeds: {@code RequestTargetFuzzTestInputs/parse/} beside this class.
 */
class RequestTargetFuzzTest {

    /** The pieces a target is made of, for the fuzzer's mutations. */
    @DictionaryEntries({"%2e", "%2E", "%2f", "%5c", "%00", "%25", "..", "/./", "/../", "//", "?", "#", "http://", "HTTPS://",
        "@", ":8080", "[::1]", "[v1.x]", "%7e"})
    @FuzzTest(maxDuration = "20s")
    void parse(byte[] input) {
        check(new String(input, StandardCharsets.UTF_8));
    }

    /** The invariants, for one target. */
    static void check(String uri) {
        RequestTarget target;
        try {
            target = RequestTarget.parse(uri);
        } catch (InvalidRequestTargetException refused) {
            return;
        }
        String path = target.path();
        String query = target.query();
        String why = pathProblem(path);
        if (why != null) {
            throw new AssertionError(why + ": " + Printable.of(uri) + " gave path " + Printable.of(path));
        }
        // the query is passed on untouched: what follows the first '?' of the target
        if (query != null && !uri.endsWith("?" + query)) {
            throw new AssertionError("query changed: " + Printable.of(uri) + " gave " + Printable.of(query));
        }
        if (query == null && uri.indexOf('?', uri.startsWith("/") ? 0 : uri.indexOf("://") + 3) >= 0) {
            throw new AssertionError("query lost: " + Printable.of(uri));
        }
        // forwarded raw, a control character, space or DEL in the query could end the request line
        if (query != null && query.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            throw new AssertionError("query holds a control character: " + Printable.of(uri));
        }
        why = authorityProblem(uri, target.authority());
        if (why != null) {
            throw new AssertionError(why + ": " + Printable.of(uri) + " gave authority "
                    + (target.authority() == null ? "null" : Printable.of(target.authority())));
        }
        // what goes upstream reads back the same: normalising is idempotent
        RequestTarget again;
        try {
            again = RequestTarget.parse(target.uri());
        } catch (InvalidRequestTargetException e) {
            throw new AssertionError("the forwarded target " + Printable.of(target.uri()) + " of "
                    + Printable.of(uri) + " is refused: " + e.getMessage());
        }
        if (!again.path().equals(path) || !Objects.equals(again.query(), query) || again.authority() != null) {
            throw new AssertionError("not idempotent: " + Printable.of(uri) + " -> " + Printable.of(target.uri())
                    + " -> " + Printable.of(again.uri()));
        }
    }

    /**
     * An origin-form target has no authority; an absolute-form one has the non-empty {@code host[:port]}
     * between its {@code ://} and the path, query or end, without userinfo, in printable ASCII.
     *
     * @return what is wrong, or {@code null}
     */
    static String authorityProblem(String uri, String authority) {
        if (uri.startsWith("/")) {
            return authority == null ? null : "origin-form target with an authority";
        }
        if (authority == null || authority.isEmpty()) {
            return "absolute-form target without an authority";
        }
        int from = uri.indexOf("://") + 3;
        int to = from;
        while (to < uri.length() && "/?#".indexOf(uri.charAt(to)) < 0) {
            to++;
        }
        if (!uri.substring(from, to).equals(authority)) {
            return "authority is not the target's";
        }
        for (int i = 0; i < authority.length(); i++) {
            char c = authority.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '@' || c == '\\') {
                return "authority holds userinfo or a character no host name has";
            }
        }
        return null;
    }

    /** @return what is wrong with a normalised path, or {@code null} */
    static String pathProblem(String path) {
        if (!path.startsWith("/")) {
            return "path does not start with /";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return "path holds a character that is not printable ASCII";
            }
            if (c == '\\') {
                return "path holds a backslash";
            }
            if (c == '#' || c == '?') {
                return "path holds a raw " + c;
            }
            if (c == '%') {
                if (i + 2 >= path.length() || hex(path.charAt(i + 1)) < 0 || hex(path.charAt(i + 2)) < 0) {
                    return "path holds a broken escape";
                }
                int decoded = hex(path.charAt(i + 1)) << 4 | hex(path.charAt(i + 2));
                if (decoded == '/' || decoded == '\\' || decoded == 0) {
                    return "path holds an encoded /, \\ or NUL";
                }
                if (isUnreserved(decoded)) {
                    return "path holds an escaped unreserved character";
                }
            }
        }
        // "/a/" splits into "a" and "": an empty last segment is a trailing slash
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.equals("..")) {
                return "path holds a .. segment";
            }
            if (segment.equals(".")) {
                return "path holds a . segment";
            }
        }
        return null;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
