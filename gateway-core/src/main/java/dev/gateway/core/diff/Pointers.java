package dev.gateway.core.diff;

import java.util.ArrayList;
import java.util.List;

/** RFC 6901 JSON pointers: escaping one reference token, and splitting a pointer into its tokens. */
final class Pointers {
    private Pointers() {
    }

    /** One reference token escaped per RFC 6901 §3: {@code ~} as {@code ~0}, then {@code /} as {@code ~1}. */
    static String escape(String token) {
        if (token.indexOf('~') < 0 && token.indexOf('/') < 0) {
            return token;
        }
        return token.replace("~", "~0").replace("/", "~1");
    }

    /** {@code pointer} followed by one more escaped reference token. */
    static String append(String pointer, String token) {
        return pointer + '/' + escape(token);
    }

    /**
     * The unescaped reference tokens of a pointer ({@code ""} has none).
     *
     * @throws IllegalArgumentException if the pointer is neither empty nor starts with {@code /}, or has a
     *         {@code ~} not followed by {@code 0} or {@code 1} (RFC 6901 §3 allows no other escape)
     */
    static List<String> parse(String pointer) {
        List<String> tokens = new ArrayList<>();
        if (pointer.isEmpty()) {
            return tokens;
        }
        if (pointer.charAt(0) != '/') {
            throw new IllegalArgumentException("a JSON pointer starts with '/' (RFC 6901)");
        }
        StringBuilder token = new StringBuilder();
        for (int i = 1; i < pointer.length(); i++) {
            char c = pointer.charAt(i);
            if (c == '/') {
                tokens.add(token.toString());
                token.setLength(0);
            } else if (c == '~') {
                char next = i + 1 < pointer.length() ? pointer.charAt(i + 1) : 0;
                if (next == '0') {
                    token.append('~');
                } else if (next == '1') {
                    token.append('/');
                } else {
                    throw new IllegalArgumentException("'~' must be followed by 0 or 1 (RFC 6901)");
                }
                i++;
            } else {
                token.append(c);
            }
        }
        tokens.add(token.toString());
        return tokens;
    }

    /** Whether a token has an array index's syntax by RFC 6901 §4: {@code 0} or digits without a leading zero. */
    static boolean isIndex(String token) {
        int n = token.length();
        if (n == 0 || n > 1 && token.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
