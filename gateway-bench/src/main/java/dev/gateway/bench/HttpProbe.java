package dev.gateway.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One {@code GET} on a new loopback connection, for polling a starting process: the status code, or -1
 * while nothing listens or the connection drops. Plain sockets, so a refused connection costs some tens of
 * microseconds and the poll can be tight.
 */
final class HttpProbe {
    private final int port;
    private final byte[] request;

    /** {@code headers}: extra header lines, each ending in CRLF. */
    HttpProbe(int port, String path, String headers) {
        this.port = port;
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + headers
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The response's status code, or -1; waits at most {@code timeoutMillis} for an answer. */
    int status(int timeoutMillis) {
        // The whole response is read, so closing sends no reset for unread bytes (which the server may log).
        try (BlockingHttpClient c = new BlockingHttpClient(port, request, timeoutMillis)) {
            return c.exchange();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
