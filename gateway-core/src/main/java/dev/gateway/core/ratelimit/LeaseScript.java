package dev.gateway.core.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua script that leases tokens from a shared GCRA bucket ({@code ratelimit/lease.lua}), with its
 * SHA-1 digest for {@code EVALSHA}. The digest is computed here rather than asked of Redis
 * ({@code SCRIPT LOAD}), so nothing waits on Redis at start, and a Redis that restarted (and so forgot
 * the script) is handled by sending the text once ({@code EVAL}).
 *
 * @param text the script's source
 * @param sha1 its SHA-1, 40 lower-case hex digits, as Redis names scripts
 */
record LeaseScript(String text, String sha1) {
    /**
     * Reads the script from the class path.
     *
     * @throws UncheckedIOException when the resource is missing or unreadable (a broken build)
     */
    static LeaseScript load() {
        try (InputStream in = LeaseScript.class.getResourceAsStream("/ratelimit/lease.lua")) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("ratelimit/lease.lua is not on the class path"));
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new LeaseScript(text, sha1(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }
}
