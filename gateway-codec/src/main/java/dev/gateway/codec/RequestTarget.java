package dev.gateway.codec;

/**
 * A request target reduced to the path the gateway routes and forwards, and the query it passes on
 * unchanged.
 *
 * <p>The path is normalised the way the legacy gateway matched it: percent-encoded unreserved
 * characters are decoded, {@code .} segments removed. Anything that could make the gateway and an
 * upstream disagree about which resource is meant is refused: {@code ..} segments (raw or encoded),
 * an encoded {@code /} or {@code \} or NUL inside a segment, a raw backslash, control or non-ASCII
 * characters, a broken escape, a fragment. Absolute-form targets ({@code http://host/path}, RFC 9112
 * §3.2.2) are reduced to their path, and their authority is kept: it, not the {@code Host} field, names
 * the host the client asked for. An absolute-form target whose authority is empty, has userinfo or is not
 * a valid {@code host[:port]} is refused, as are the asterisk and authority forms (RFC 9112 §3.2.3–3.2.4),
 * which no operation of the gateway takes.
 */
public final class RequestTarget {
    private final String path;
    private final String query;
    private final String authority;

    private RequestTarget(String path, String query, String authority) {
        this.path = path;
        this.query = query;
        this.authority = authority;
    }

    /** The normalised path, always starting with {@code /}. */
    public String path() {
        return path;
    }

    /** The raw query after {@code ?}, or {@code null} when the target had none. */
    public String query() {
        return query;
    }

    /**
     * The authority of an absolute-form target ({@code host[:port]}, validated by {@link Authority}), or
     * {@code null} for an origin-form one. When present it replaces the {@code Host} field (RFC 9112 §3.2.2).
     */
    public String authority() {
        return authority;
    }

    /** What to send upstream: the normalised path and the untouched query. */
    public String uri() {
        return query == null ? path : path + '?' + query;
    }

    /**
     * Parses a request target as the request line carries it.
     *
     * @param uri the request-target of the request line (origin-form or absolute-form)
     * @return the target, its path normalised
     * @throws InvalidRequestTargetException when the target is refused; its message says why
     */
    public static RequestTarget parse(String uri) {
        int start = 0;
        String authority = null;
        if (!uri.startsWith("/")) {
            int authorityStart = absoluteFormAuthorityStart(uri);
            start = authorityEnd(uri, authorityStart);
            authority = uri.substring(authorityStart, start);
            if (!Authority.isValid(authority)) {
                throw new InvalidRequestTargetException(authority.indexOf('@') >= 0
                        ? "userinfo in request target" : "invalid authority in request target");
            }
        }
        if (uri.indexOf('#', start) >= 0) {
            throw new InvalidRequestTargetException("fragment in request target"); // never sent by a client
        }
        int queryAt = uri.indexOf('?', start);
        int pathEnd = queryAt < 0 ? uri.length() : queryAt;
        String query = queryAt < 0 ? null : uri.substring(queryAt + 1);
        if (query != null && hasInvalidCharacter(query)) {
            throw new InvalidRequestTargetException("invalid character in query");
        }
        String path = start == 0 && pathEnd == uri.length() ? uri : uri.substring(start, pathEnd);
        if (path.isEmpty()) {
            path = "/"; // absolute-form with an empty path: "http://h?q" is "/?q" (RFC 9112 §3.2.1)
        }
        return new RequestTarget(normalizePath(path), query, authority);
    }

    /**
     * Controls, space, DEL and non-ASCII are never part of a URI (RFC 3986 §2): forwarded raw, a control
     * could end the request line, and a byte above 0x7F would reach the upstream re-encoded.
     */
    private static boolean hasInvalidCharacter(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** Where the authority of an {@code http://} or {@code https://} target starts. */
    private static int absoluteFormAuthorityStart(String uri) {
        int scheme = uri.indexOf("://");
        if (scheme <= 0 || !isHttpScheme(uri, scheme)) {
            throw new InvalidRequestTargetException("request target is not a path");
        }
        return scheme + 3;
    }

    /** The authority ends at the first {@code /}, {@code ?} or {@code #} after it (RFC 3986 §3.2). */
    private static int authorityEnd(String uri, int from) {
        for (int i = from; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
        }
        return uri.length();
    }

    private static boolean isHttpScheme(String uri, int end) {
        return (end == 4 && uri.regionMatches(true, 0, "http", 0, 4))
                || (end == 5 && uri.regionMatches(true, 0, "https", 0, 5));
    }

    /** Normalises a path that starts with {@code /}; returns the same instance when nothing changes. */
    static String normalizePath(String path) {
        if (isAlreadyNormal(path)) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        int n = path.length();
        int segStart = 1; // path.charAt(0) == '/'
        while (segStart <= n) {
            int slash = path.indexOf('/', segStart);
            int segEnd = slash < 0 ? n : slash;
            int mark = out.length();
            out.append('/');
            appendDecodedSegment(path, segStart, segEnd, out);
            int segLength = out.length() - mark - 1;
            if (segLength == 1 && out.charAt(mark + 1) == '.') {
                out.setLength(mark); // "." names the current segment: drop it
                if (slash < 0) {
                    out.append('/'); // "/a/." means "/a/"
                }
            } else if (segLength == 2 && out.charAt(mark + 1) == '.' && out.charAt(mark + 2) == '.') {
                throw new InvalidRequestTargetException("dot-dot segment in path");
            }
            if (slash < 0) {
                break;
            }
            segStart = slash + 1;
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    /** The common case, checked without allocating: plain characters, no escapes, no dot segments. */
    private static boolean isAlreadyNormal(String path) {
        int n = path.length();
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c == '%' || c == '\\' || c <= 0x20 || c >= 0x7f) {
                return false;
            }
            if (c == '.' && path.charAt(i - 1) == '/') {
                return false; // a segment starting with a dot may be "." or ".."
            }
        }
        return true;
    }

    private static void appendDecodedSegment(String path, int from, int to, StringBuilder out) {
        for (int i = from; i < to; i++) {
            char c = path.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    throw new InvalidRequestTargetException("broken percent-escape in path");
                }
                int hi = hexValue(path.charAt(i + 1));
                int lo = hexValue(path.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    throw new InvalidRequestTargetException("broken percent-escape in path");
                }
                int decoded = hi << 4 | lo;
                if (decoded == '/' || decoded == '\\') {
                    throw new InvalidRequestTargetException("encoded slash in path segment");
                }
                if (decoded == 0) {
                    throw new InvalidRequestTargetException("encoded NUL in path");
                }
                if (isUnreserved(decoded)) {
                    out.append((char) decoded);
                } else {
                    out.append('%').append(Character.toUpperCase(path.charAt(i + 1)))
                            .append(Character.toUpperCase(path.charAt(i + 2)));
                }
                i += 2;
            } else if (c == '\\') {
                throw new InvalidRequestTargetException("backslash in path");
            } else if (c <= 0x20 || c >= 0x7f) {
                throw new InvalidRequestTargetException("invalid character in path");
            } else {
                out.append(c);
            }
        }
    }

    /** ASCII hex only: {@link Character#digit} would also take other scripts' digits and fullwidth letters. */
    private static int hexValue(char c) {
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
        return Authority.isUnreserved(c);
    }
}
