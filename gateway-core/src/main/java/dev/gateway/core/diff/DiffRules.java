package dev.gateway.core.diff;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What two responses are compared on. Immutable and thread-safe.
 *
 * <ul>
 * <li>The status is always compared.</li>
 * <li>Headers: only the names listed, case-insensitively; values are compared as the exact strings of
 * {@link ObservedResponse#headers()}.</li>
 * <li>JSON bodies: every place except those an {@code ignore} pattern matches. Arrays are compared per the
 * first {@code arrays} entry (in the map's iteration order: pass a {@code LinkedHashMap} when entries
 * overlap) whose pattern matches the array's place; arrays no entry matches are {@code ordered}.</li>
 * </ul>
 *
 * <p>A pattern is an RFC 6901 JSON pointer whose reference tokens may be {@code *} (exactly one token: a
 * member name or an array index) or {@code **} (zero or more tokens): {@code /requestId},
 * {@code /items/*}{@code /updatedAt}, {@code /**}{@code /traceId}. {@code /**} matches every place, the
 * whole document included. In {@code ignore} patterns a literal token such as {@code 0} also matches that
 * array index; in {@code arrays} patterns only {@code *} and {@code **} match an array index, so whether an
 * array is compared as a set or by key never depends on which element of an outer array it sits in.
 *
 * <p>Array modes: {@code ordered} pairs elements by position (with a longest-common-subsequence
 * alignment, so an insertion is one {@code add}, not a run of replacements); {@code set} ignores order and
 * compares the arrays as multisets of values, reporting whole elements removed and added;
 * {@code key:FIELD} pairs elements that are objects by the value of their member {@code FIELD} and compares
 * each pair member by member, reporting unpaired elements as removed or added. In keyed mode, elements
 * that are not objects or lack {@code FIELD} (or whose {@code FIELD} is ignored) are compared as in
 * {@code set} mode; elements sharing a key value are paired in their order of appearance. How pointers
 * into such arrays read is in {@link ResponseDiffer}.
 */
public final class DiffRules {
    private static final String TOKEN_CHARS = "!#$%&'*+-.^_`|~";

    private final List<String> headers;
    private final List<PointerPattern> ignore;
    private final List<PointerPattern> arrayPatterns;
    private final List<ArrayMode> arrayModes;

    private DiffRules(List<String> headers, List<PointerPattern> ignore, List<PointerPattern> arrayPatterns,
            List<ArrayMode> arrayModes) {
        this.headers = headers;
        this.ignore = ignore;
        this.arrayPatterns = arrayPatterns;
        this.arrayModes = arrayModes;
    }

    /**
     * Reads the rules as configured.
     *
     * @param headers response header names to compare (any case; RFC 9110 tokens)
     * @param ignore patterns of body places never reported
     * @param arrays pattern to mode: {@code ordered}, {@code set} or {@code key:FIELD}
     * @return the rules
     * @throws IllegalArgumentException naming the offending entry: a header name that is not a token, a
     *         pattern not starting with {@code /} or with a {@code ~} escape other than {@code ~0} and
     *         {@code ~1}, an unknown mode, {@code key:} without a member name
     * @throws NullPointerException if an argument is null
     */
    public static DiffRules of(List<String> headers, List<String> ignore, Map<String, String> arrays) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(ignore, "ignore");
        Objects.requireNonNull(arrays, "arrays");
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.get(i);
            if (!isToken(name)) {
                throw new IllegalArgumentException("headers[" + i + "] '" + name
                        + "': a header name is a non-empty token (RFC 9110 §5.1)");
            }
            names.add(name.toLowerCase(Locale.ROOT));
        }
        List<PointerPattern> ignored = new ArrayList<>();
        for (int i = 0; i < ignore.size(); i++) {
            ignored.add(pattern("ignore[" + i + "]", ignore.get(i)));
        }
        List<PointerPattern> patterns = new ArrayList<>();
        List<ArrayMode> modes = new ArrayList<>();
        for (Map.Entry<String, String> entry : arrays.entrySet()) {
            patterns.add(pattern("arrays", entry.getKey()));
            try {
                modes.add(ArrayMode.parse(entry.getValue()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("arrays '" + entry.getKey() + "' mode '" + entry.getValue()
                        + "': " + e.getMessage(), e);
            }
        }
        return new DiffRules(List.copyOf(names), List.copyOf(ignored), List.copyOf(patterns), List.copyOf(modes));
    }

    private static PointerPattern pattern(String where, String text) {
        try {
            return PointerPattern.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " '" + text + "': " + e.getMessage(), e);
        }
    }

    private static boolean isToken(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || TOKEN_CHARS.indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** @return the compared header names, lower case, in the order given */
    public List<String> headers() {
        return headers;
    }

    boolean hasIgnores() {
        return !ignore.isEmpty();
    }

    boolean hasArrayModes() {
        return !arrayPatterns.isEmpty();
    }

    /** Whether the place reached by {@code path} (names and indices from the root) is never compared. */
    boolean ignored(List<Object> path) {
        for (PointerPattern pattern : ignore) {
            if (pattern.matches(path, true)) {
                return true;
            }
        }
        return false;
    }

    /** How the array at {@code path} is compared: the first matching entry's mode, else ordered. */
    ArrayMode arrayMode(List<Object> path) {
        for (int i = 0; i < arrayPatterns.size(); i++) {
            if (arrayPatterns.get(i).matches(path, false)) {
                return arrayModes.get(i);
            }
        }
        return ArrayMode.ORDERED;
    }

    @Override
    public String toString() {
        StringBuilder arrays = new StringBuilder();
        for (int i = 0; i < arrayPatterns.size(); i++) {
            arrays.append(i == 0 ? "" : ", ").append(arrayPatterns.get(i)).append('=').append(arrayModes.get(i));
        }
        return "DiffRules[headers=" + headers + ", ignore=" + ignore + ", arrays={" + arrays + "}]";
    }
}
