package dev.gateway.core.diff;

import java.util.List;

/**
 * A pattern of places in a JSON document: an RFC 6901 pointer whose reference tokens may be {@code *}
 * (exactly one token: any member name or array index) or {@code **} (zero or more tokens). Other tokens
 * are unescaped as RFC 6901 says and match a member of that name (or, where allowed, an array index
 * written in decimal). A member literally named {@code *} or {@code **} can only be matched by a wildcard.
 */
final class PointerPattern {
    private static final String ONE = "*";
    private static final String ANY = "**";

    private final String text;
    private final String[] tokens;

    private PointerPattern(String text, String[] tokens) {
        this.text = text;
        this.tokens = tokens;
    }

    /**
     * @throws IllegalArgumentException if the pattern does not start with {@code /} or has an escape other
     *         than {@code ~0} and {@code ~1}
     */
    static PointerPattern parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("a pattern is a JSON pointer and starts with '/'");
        }
        return new PointerPattern(text, Pointers.parse(text).toArray(new String[0]));
    }

    /**
     * Whether the place reached by {@code path} matches.
     *
     * @param path member names ({@code String}) and array indices ({@code Integer}) from the root
     * @param literalIndexes whether a literal token such as {@code 3} matches array index 3; when false only
     *        {@code *} and {@code **} match an array index
     */
    boolean matches(List<Object> path, boolean literalIndexes) {
        int n = path.size();
        // reach[j]: the first i tokens of the pattern can match the first j tokens of the path
        boolean[] reach = new boolean[n + 1];
        reach[0] = true;
        for (String token : tokens) {
            boolean[] next = new boolean[n + 1];
            if (ANY.equals(token)) {
                boolean any = false;
                for (int j = 0; j <= n; j++) {
                    any |= reach[j];
                    next[j] = any;
                }
            } else {
                for (int j = 1; j <= n; j++) {
                    next[j] = reach[j - 1] && tokenMatches(token, path.get(j - 1), literalIndexes);
                }
            }
            reach = next;
        }
        return reach[n];
    }

    private static boolean tokenMatches(String token, Object segment, boolean literalIndexes) {
        if (ONE.equals(token)) {
            return true;
        }
        if (segment instanceof Integer index) {
            return literalIndexes && token.equals(index.toString());
        }
        return token.equals(segment);
    }

    @Override
    public String toString() {
        return text;
    }
}
