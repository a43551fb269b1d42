package dev.gateway.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An upstream that accepts every connection and reads what comes, but never answers: requests wait for
 * their timeout, or for their client to leave. Each connection's bytes are kept, so a test can wait for
 * a request to have arrived.
 */
final class SilentUpstream implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    SilentUpstream() throws IOException {
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    open.add(s);
                    Thread reader = new Thread(() -> read(s), "silent-upstream-reader");
                    reader.setDaemon(true);
                    reader.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "silent-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void read(Socket s) {
        StringBuilder text = new StringBuilder();
        byte[] buf = new byte[4096];
        try (InputStream in = s.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (text.indexOf("\r\n\r\n") >= 0) {
                    received.add(text.toString());
                    text.setLength(0);
                }
            }
        } catch (IOException gone) {
            // the gateway closed the connection
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Waits for a request head containing {@code text} (case-insensitive) to have arrived. */
    void awaitRequest(String text) throws InterruptedException {
        String wanted = text.toLowerCase(Locale.ROOT);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String head = received.poll(left, TimeUnit.NANOSECONDS);
            if (head != null && head.toLowerCase(Locale.ROOT).contains(wanted)) {
                return;
            }
        }
        throw new AssertionError("no request with '" + text + "' reached the upstream");
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
