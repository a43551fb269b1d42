package dev.gateway.cli.replay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server on loopback (the JDK's), standing for a replay target: it answers as told, may take
 * its time over an answer (the work a real target does), and keeps every request it saw with when it
 * began and ended, and the most requests it ever had in flight at once.
 */
final class TestTarget implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    /**
     * A request as the target saw it.
     *
     * @param headers by lower-case name, first value
     * @param start when its handling began ({@code System.nanoTime})
     * @param end when its answer was ready, just before it was sent
     */
    record Seen(String method, String target, Map<String, String> headers, String body, long start, long end) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** What to answer, after how long, with what other response headers. */
    record Reply(int status, String contentType, String body, long delayMillis, Map<String, String> headers) {
        Reply(int status, String contentType, String body, long delayMillis) {
            this(status, contentType, body, delayMillis, Map.of());
        }

        static Reply json(String body) {
            return new Reply(200, "application/json", body, 0);
        }
    }

    private TestTarget(Function<Seen, Reply> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        server.setExecutor(threads);
        server.createContext("/", ex -> handle(ex, answer));
        server.start();
    }

    static TestTarget start(Function<Seen, Reply> answer) throws IOException {
        return new TestTarget(answer);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The requests seen, in the order they began. */
    List<Seen> seen() {
        List<Seen> s = new ArrayList<>(seen);
        s.sort(Comparator.comparingLong(Seen::start));
        return s;
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    private void handle(HttpExchange ex, Function<Seen, Reply> answer) throws IOException {
        long start = System.nanoTime();
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try (ex) {
            String body;
            try (InputStream in = ex.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Map<String, String> headers = new TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            Seen request = new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, body, start, 0);
            Reply reply = answer.apply(request);
            if (reply.delayMillis() > 0) {
                try {
                    Thread.sleep(reply.delayMillis()); // the target's work: an answer that takes its time
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            inFlight.decrementAndGet(); // before the answer leaves: the client cannot have seen it yet
            seen.add(new Seen(request.method(), request.target(), headers, body, start, System.nanoTime()));
            ex.getResponseHeaders().set("Content-Type", reply.contentType());
            reply.headers().forEach(ex.getResponseHeaders()::set);
            ex.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                ex.getResponseBody().write(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
