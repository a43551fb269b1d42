package dev.gateway.codec;

/**
 * A request target reduced to the path the gateway routes and forwards, and the query it passes on
 * unchanged.
 *
 * <p>The path is normalised the way the legacy gateway matched it: percent-encoded unreserved
 * characters are decoded, {@code .} segments removed. Anything that could make the gateway and an
 * upstream disagree about which resource is meant is refused: {@code ..} segments (raw or encoded),
 * an encoded {@code /} or {@code \} or NUL inside a segment, a raw backslash, control or non-ASCII
 * characters, a broken escape, a fragment. Absolute-form targets ({@code http://host/path}) are reduced
 * to their path.
 */
public final class RequestTarget {
    private final String path;
    private final String query;

    private RequestTarget(String path, String query) {
        this.path = path;
        this.query = query;
    }

    /** The normalised path, always starting with {@code /}. */
    public String path() {
        return path;
    }

    /** The raw query after {@code ?}, or {@code null} when the target had none. */
    public String query() {
        return query;
    }

    /** What to send upstream: the normalised path and the untouched query. */
    public String uri() {
        return query == null ? path : path + '?' + query;
    }

    /**
     * @throws InvalidRequestTargetException when the target is refused; its message says why
     */
    public static RequestTarget parse(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            start = absoluteFormPathStart(uri);
        }
        if (uri.indexOf('#', start) >= 0) {
            throw new InvalidRequestTargetException("fragment in request target"); // never sent by a client
        }
        int queryAt = uri.indexOf('?', start);
        int pathEnd = queryAt < 0 ? uri.length() : queryAt;
        String query = queryAt < 0 ? null : uri.substring(queryAt + 1);
        String path = start == 0 && pathEnd == uri.length() ? uri : uri.substring(start, pathEnd);
        if (path.isEmpty()) {
            path = "/";
        }
        return new RequestTarget(normalizePath(path), query);
    }

    private static int absoluteFormPathStart(String uri) {
        int scheme = uri.indexOf("://");
        if (scheme <= 0 || !isHttpScheme(uri, scheme)) {
            throw new InvalidRequestTargetException("request target is not a path");
        }
        int slash = uri.indexOf('/', scheme + 3);
        int question = uri.indexOf('?', scheme + 3);
        if (slash < 0 || (question >= 0 && question < slash)) {
            throw new InvalidRequestTargetException("request target has no path");
        }
        return slash;
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
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
