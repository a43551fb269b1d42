package dev.gateway.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.LongSupplier;

/** Digests and bulk transfers for the streaming tests. */
final class Hashing {
    private Hashing() {
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(sha().digest(data));
    }

    /** Reads exactly {@code n} bytes and returns their digest. */
    static String sha256(InputStream in, long n) throws IOException {
        MessageDigest sha = sha();
        byte[] buf = new byte[64 * 1024];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new IOException("stream ended " + left + " bytes early");
            }
            sha.update(buf, 0, r);
            left -= r;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** PUTs {@code size} pseudo-random bytes with a Content-Length; returns their digest after a 201. */
    static String uploadRandom(RawHttp c, String path, long size, long seed) throws IOException {
        c.send("PUT " + path + " HTTP/1.1\r\nHost: x\r\n"
                + "X-API-Key: it-key\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + size + "\r\n\r\n");
        MessageDigest sha = sha();
        Random random = new Random(seed);
        byte[] buf = new byte[256 * 1024];
        long left = size;
        while (left > 0) {
            random.nextBytes(buf);
            int n = (int) Math.min(buf.length, left);
            sha.update(buf, 0, n);
            c.send(n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
            left -= n;
        }
        RawHttp.Response r = c.read();
        String hex = HexFormat.of().formatHex(sha.digest());
        if (r.status() != 201 || !r.text().contains(hex)) {
            throw new AssertionError("upload failed: " + r.status() + " " + r.text());
        }
        return hex;
    }

    /**
     * Waits until a counter stops moving (the producer is blocked by backpressure) and returns its
     * value. Gives up after 20 s.
     */
    static long awaitStalled(LongSupplier counter) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        long last = -1;
        int still = 0;
        while (System.nanoTime() < deadline) {
            long now = counter.getAsLong();
            still = now == last ? still + 1 : 0;
            if (still >= 5) {
                return now;
            }
            last = now;
            Thread.sleep(50); // observation interval of a quiescence check, not a synchronisation
        }
        throw new AssertionError("counter never stalled: " + counter.getAsLong());
    }

    /** Polls {@code /readyz} on the admin port until it answers 200 (health probes run at start). */
    static RawHttp.Response awaitReady(int adminPort) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (RawHttp c = new RawHttp(adminPort)) {
                RawHttp.Response r = c.send("GET /readyz HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n").read();
                if (r.status() == 200 || System.nanoTime() > deadline) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
