package dev.gateway.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            return readResponse(new BufferedInputStream(s.getInputStream(), 4096));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Reads the head and a Content-Length body: all of it, so that closing sends no reset for unread bytes
     * (which the server may log), and without waiting for the server to close (not every server does, asked
     * to or not).
     */
    private static int readResponse(InputStream in) throws IOException {
        int status = -1;
        long contentLength = 0;
        StringBuilder line = new StringBuilder(64);
        for (int lineNo = 0; ; ) {
            int c = in.read();
            if (c < 0) {
                return -1;
            }
            if (c == '\r') {
                continue;
            }
            if (c != '\n') {
                line.append((char) c);
                continue;
            }
            if (line.length() == 0) {
                break;
            }
            if (lineNo++ == 0) {
                status = line.length() >= 12 && line.indexOf("HTTP/1.") == 0
                        ? Integer.parseInt(line.substring(9, 12)) : -1;
            } else if (line.length() > 15 && line.substring(0, 15).equalsIgnoreCase("content-length:")) {
                contentLength = Long.parseLong(line.substring(15).trim());
            }
            line.setLength(0);
        }
        for (long left = contentLength; left > 0; left--) {
            if (in.read() < 0) {
                return -1;
            }
        }
        return status;
    }
}
