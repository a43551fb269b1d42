package dev.gateway.cli.replay;

import dev.gateway.core.capture.CaptureRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends a record's request to a target with the JDK's HTTP client (HTTP/1.1, one client for both targets,
 * no redirects followed). The captured headers go as they are, but for those the client sets itself
 * ({@link #RESTRICTED}); the body goes as captured. A failure (no connection, a timeout, a target the URL
 * cannot take) is an outcome, never an exception.
 */
final class TargetClient {
    /** Headers the JDK's client sets itself and refuses from callers. */
    static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private final HttpClient client;
    private final Duration timeout;
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();

    /**
     * How one target answered one record.
     *
     * @param response {@code null} when there was no answer
     * @param error why there was none, {@code null} when there was
     * @param nanos from sending to the last byte of the answer, or to the failure
     */
    record Outcome(ResponseComparison.Response response, String error, long nanos) {
        boolean ok() {
            return error == null;
        }
    }

    TargetClient(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * @param credentials the hook's headers for this caller on this target
     * @return the outcome; never completes exceptionally
     */
    CompletableFuture<Outcome> send(URI base, CaptureRecord r, List<Map.Entry<String, String>> credentials) {
        long start = System.nanoTime();
        HttpRequest request;
        try {
            byte[] body = r.body();
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + r.target())).timeout(timeout)
                    .method(r.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, String> h : r.headers()) {
                if (!RESTRICTED.contains(h.getKey())) {
                    try {
                        b.header(h.getKey(), h.getValue());
                    } catch (IllegalArgumentException e) {
                        refused.computeIfAbsent(h.getKey(), k -> new LongAdder()).increment();
                    }
                }
            }
            for (Map.Entry<String, String> h : credentials) {
                b.header(h.getKey(), h.getValue());
            }
            request = b.build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Outcome(null, "cannot send: " + e.getMessage(), 0));
        }
        try {
            return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, failure) -> {
                long nanos = System.nanoTime() - start;
                if (failure != null) {
                    return new Outcome(null, describe(failure), nanos);
                }
                return new Outcome(new ResponseComparison.Response(response.statusCode(), response.headers(),
                        response.body()), null, nanos);
            });
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Outcome(null, describe(e), System.nanoTime() - start));
        }
    }

    /** Captured headers the client would not send, by name, and how often. */
    Map<String, Long> refusedHeaders() {
        Map<String, Long> out = new TreeMap<>();
        refused.forEach((name, n) -> out.put(name, n.sum()));
        return out;
    }

    private static String describe(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
