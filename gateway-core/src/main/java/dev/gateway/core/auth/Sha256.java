package dev.gateway.core.auth;

import io.netty.util.concurrent.FastThreadLocal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 of a header value without encoding it into a new array first: one digest and buffer per thread. */
final class Sha256 {
    private static final FastThreadLocal<Sha256> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected Sha256 initialValue() {
            return new Sha256();
        }
    };

    private final MessageDigest digest;
    private final byte[] ascii = new byte[1024];

    private Sha256() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e); // every JDK must have it
        }
    }

    /**
     * The digest of {@code s}'s characters taken as bytes: header values arrive as ISO-8859-1, one byte a
     * character, so this is the digest of the bytes on the wire.
     */
    static byte[] of(CharSequence s) {
        return of(s, 0);
    }

    /** The digest of {@code s} from index {@code start} on. */
    static byte[] of(CharSequence s, int start) {
        return PER_THREAD.get().digest(s, start);
    }

    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exactly the low byte of each char
    private byte[] digest(CharSequence s, int start) {
        int n = s.length();
        for (int from = start; from < n; from += ascii.length) {
            int len = Math.min(ascii.length, n - from);
            if (s instanceof String str) {
                // A header value is a Latin-1 String: an array copy, where a charAt loop cost twice the digest.
                str.getBytes(from, from + len, ascii, 0);
            } else {
                for (int i = 0; i < len; i++) {
                    ascii[i] = (byte) s.charAt(from + i);
                }
            }
            digest.update(ascii, 0, len);
        }
        return digest.digest();
    }
}
