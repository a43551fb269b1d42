package dev.gateway.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** One keep-alive connection that sends a fixed request and reads one Content-Length response. */
final class BlockingHttpClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] request;
    private final byte[] body = new byte[64 * 1024];

    BlockingHttpClient(int port, byte[] request) throws IOException {
        this(port, request, 0);
    }

    /** @param timeoutMillis for connecting and for each read; 0 waits as long as it takes */
    BlockingHttpClient(int port, byte[] request, int timeoutMillis) throws IOException {
        this.request = request;
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        } catch (IOException e) {
            socket.close(); // refused, say: the socket is not left for the collector
            throw e;
        }
    }

    /** @return the status code */
    int exchange() throws IOException {
        out.write(request);
        out.flush();
        int status = 0;
        int contentLength = 0;
        // Status line, then headers up to the empty line; only content-length matters.
        int lineNo = 0;
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed");
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
                status = Integer.parseInt(line.substring(9, 12));
            } else if (line.length() > 15 && line.substring(0, 15).equalsIgnoreCase("content-length:")) {
                contentLength = Integer.parseInt(line.substring(15).trim());
            }
            line.setLength(0);
        }
        int read = 0;
        while (read < contentLength) {
            int n = in.read(body, 0, Math.min(body.length, contentLength - read));
            if (n < 0) {
                throw new EOFException("body cut short");
            }
            read += n;
        }
        return status;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
