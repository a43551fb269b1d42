package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 request body meets an upstream that takes nothing: the gateway stops opening the stream's
 * window (flow control follows the upstream's backpressure), and when the client then resets the stream
 * or drops the connection, the exchange ends rather than waiting for ever on its unread frames.
 */
class Http2BackpressureTest {
    private static final String ARTIFACT = "/v1/tasks/tsk_abcdefghij0123456789/artifacts/a.bin";
    private static final int CHUNK = 16_384;

    static ServerSocket upstream;
    static final List<Socket> held = new CopyOnWriteArrayList<>();
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new ServerSocket();
        upstream.setReceiveBufferSize(4096); // taken by accepted sockets: the gateway's writes fill it soon
        upstream.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(() -> {
            while (!upstream.isClosed()) {
                try {
                    held.add(upstream.accept()); // and never read
                } catch (IOException closed) {
                    return;
                }
            }
        }, "never-reading-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
        String endpoint = "127.0.0.1:" + upstream.getLocalPort();
        gateway = TestGateway.start("upstreams:\n  trade: {endpoints: [" + endpoint + "]}\n  task: {endpoints: ["
                + endpoint + "]}\n");
    }

    @AfterAll
    static void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
        for (Socket s : held) {
            s.close();
        }
    }

    @Test
    void aResetStreamWhoseBodyTheUpstreamWouldNotTakeEndsItsExchange() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            long sent = sendUntilTheWindowStaysShut(h2);
            // Far less than the 100 MB announced: the window closed once the upstream stopped taking bytes.
            assertTrue(sent < 64L << 20, "sent " + sent);
            assertEquals(1.0, inFlight());
            h2.rst(1, RawH2.CANCEL);
            Poll.until(Duration.ofSeconds(10), "the reset exchange to end", () -> inFlight() == 0);
        }
    }

    @Test
    void aDroppedConnectionEndsItsPausedExchanges() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            sendUntilTheWindowStaysShut(h2);
            assertEquals(1.0, inFlight());
        }
        Poll.until(Duration.ofSeconds(10), "the dropped connection's exchange to end", () -> inFlight() == 0);
    }

    private static double inFlight() throws Exception {
        return Exposition.scrape(gateway.adminPort()).sum("gateway_requests_in_flight");
    }

    /**
     * Starts an upload on stream 1 and sends its body as fast as the windows allow, until no window
     * opens for a while. @return the body bytes sent
     */
    private static long sendUntilTheWindowStaysShut(RawH2 h2) throws IOException {
        h2.headers(1, false, ":method", "PUT", ":scheme", "http", ":path", ARTIFACT, ":authority", "localhost",
                "x-api-key", "it-key", "content-type", "application/octet-stream", "content-length", "100000000");
        long connectionWindow = 65_535;
        long streamWindow = 65_535;
        long sent = 0;
        byte[] chunk = new byte[CHUNK];
        int quiet = 0;
        h2.readTimeout(300);
        while (quiet < 3 && sent < 128L << 20) {
            if (Math.min(connectionWindow, streamWindow) >= CHUNK) {
                h2.data(1, false, chunk);
                sent += CHUNK;
                connectionWindow -= CHUNK;
                streamWindow -= CHUNK;
                continue;
            }
            RawH2.Frame f;
            try {
                f = h2.read();
            } catch (SocketTimeoutException e) {
                quiet++;
                continue;
            }
            if (f == null) {
                throw new IOException("closed after " + sent + " bytes");
            }
            if (f.type() == RawH2.SETTINGS && (f.flags() & RawH2.ACK) == 0) {
                h2.frame(RawH2.SETTINGS, RawH2.ACK, 0, new byte[0]);
                ByteBuffer b = ByteBuffer.wrap(f.payload());
                while (b.remaining() >= 6) {
                    if (b.getShort() == 0x4) {
                        streamWindow += b.getInt() - 65_535L;
                    } else {
                        b.getInt();
                    }
                }
            } else if (f.type() == RawH2.WINDOW_UPDATE) {
                int increment = ByteBuffer.wrap(f.payload()).getInt() & 0x7fffffff;
                if (f.stream() == 0) {
                    connectionWindow += increment;
                } else {
                    streamWindow += increment;
                }
                quiet = 0;
            }
        }
        h2.readTimeout(10_000);
        return sent;
    }
}
