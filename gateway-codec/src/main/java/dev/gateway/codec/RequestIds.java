package dev.gateway.codec;

import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: a client's {@code X-Request-Id} is kept when it matches {@code ^[A-Za-z0-9._-]{1,128}$};
 * otherwise the gateway makes a ULID (time-ordered, 26 Crockford base-32 characters, 80 random bits).
 */
public final class RequestIds {
    /** The header that carries the id both ways, in lower case as HTTP/1.1 field names compare (RFC 9110 §5.1). */
    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final int MAX_LENGTH = 128;
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private RequestIds() {
    }

    /** Whether a client-sent id may be kept as it is. Checked by hand: no regex on the request path. */
    public static boolean isAcceptable(CharSequence id) {
        int n = id.length();
        if (n == 0 || n > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A new ULID: 48 bits of epoch milliseconds then 80 random bits. */
    public static String newId() {
        return newId(System.currentTimeMillis(), ThreadLocalRandom.current());
    }

    static String newId(long epochMillis, java.util.Random random) {
        char[] out = new char[26];
        long time = epochMillis;
        for (int i = 9; i >= 0; i--) {
            out[i] = CROCKFORD[(int) (time & 31)];
            time >>>= 5;
        }
        long hi = random.nextLong(); // 40 bits used
        long lo = random.nextLong(); // 40 bits used
        for (int i = 17; i >= 10; i--) {
            out[i] = CROCKFORD[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = CROCKFORD[(int) (lo & 31)];
            lo >>>= 5;
        }
        return new String(out);
    }
}
