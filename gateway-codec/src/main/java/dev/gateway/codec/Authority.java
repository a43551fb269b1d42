package dev.gateway.codec;

import io.netty.util.NetUtil;

/**
 * The syntax of an authority as HTTP uses it: {@code host [ ":" port ]}, where host is an IP literal
 * ({@code [v6]} or {@code [vF.future]}), an IPv4 address or a reg-name (RFC 3986 §3.2.2, §3.2.3), and
 * port a decimal 0–65535. No userinfo: RFC 9110 §4.2.4 deprecates it for {@code http} URIs and asks
 * recipients to treat it as an error, and a {@code Host} field never carries one (RFC 9112 §3.2).
 */
public final class Authority {
    private Authority() {
    }

    /**
     * Whether {@code value} is a valid, non-empty {@code host [":" port]} (RFC 3986 §3.2.2–3.2.3; an
     * {@code http} URI's host must not be empty, RFC 9110 §4.2.1).
     */
    public static boolean isValid(CharSequence value) {
        int n = value.length();
        if (n == 0) {
            return false;
        }
        if (value.charAt(0) == '[') {
            int close = indexOf(value, ']');
            if (close < 0 || !isIpLiteral(value, 1, close)) {
                return false;
            }
            return close + 1 == n || (value.charAt(close + 1) == ':' && isPort(value, close + 2, n));
        }
        // A reg-name (an IPv4 address is one too), read in one pass: the common case, on every request.
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (isRegNameChar(c)) {
                continue;
            }
            if (c == '%' && i + 2 < n && isHex(value.charAt(i + 1)) && isHex(value.charAt(i + 2))) {
                i += 2;
            } else {
                return c == ':' && i > 0 && isPort(value, i + 1, n);
            }
        }
        return true;
    }

    private static int indexOf(CharSequence s, char c) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** The inside of {@code [...]}: an IPv6 address or {@code "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )}. */
    private static boolean isIpLiteral(CharSequence s, int from, int to) {
        if (from >= to) {
            return false;
        }
        char first = s.charAt(from);
        if (first == 'v' || first == 'V') {
            int dot = from + 1;
            while (dot < to && isHex(s.charAt(dot))) {
                dot++;
            }
            if (dot == from + 1 || dot >= to - 1 || s.charAt(dot) != '.') {
                return false;
            }
            for (int i = dot + 1; i < to; i++) {
                char c = s.charAt(i);
                if (!isUnreserved(c) && !isSubDelim(c) && c != ':') {
                    return false;
                }
            }
            return true;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!isHex(c) && c != ':' && c != '.') {
                return false; // also keeps out a zone id ("%25eth0"), which RFC 9110 does not allow in http URIs
            }
        }
        return NetUtil.isValidIpV6Address(s.subSequence(from, to).toString());
    }

    /** One to five digits, 0–65535. RFC 3986 allows an empty port; HTTP has no use for one, so it is refused. */
    private static boolean isPort(CharSequence s, int from, int to) {
        if (from >= to || to - from > 5) {
            return false;
        }
        int port = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Unreserved and sub-delims characters (RFC 3986 §2.2–2.3), as a bit set over ASCII. */
    private static final long REG_NAME_LOW = bits("!$&'()*+,-.0123456789;=");
    private static final long REG_NAME_HIGH = bits("ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");
    private static final long UNRESERVED_LOW = bits("-.0123456789");

    private static long bits(String chars) {
        long set = 0;
        for (int i = 0; i < chars.length(); i++) {
            set |= 1L << (chars.charAt(i) & 63);
        }
        return set;
    }

    private static boolean isRegNameChar(char c) {
        return c < 64 ? (REG_NAME_LOW & (1L << c)) != 0 : c < 128 && (REG_NAME_HIGH & (1L << (c - 64))) != 0;
    }

    static boolean isUnreserved(int c) {
        return c < 64 ? (UNRESERVED_LOW & (1L << c)) != 0
                : c < 128 && (REG_NAME_HIGH & (1L << (c - 64))) != 0; // above '@' reg-name chars are all unreserved
    }

    private static boolean isSubDelim(char c) {
        return c < 64 && (REG_NAME_LOW & ~UNRESERVED_LOW & (1L << c)) != 0;
    }
}
