package dev.gateway.core.server;

import dev.gateway.core.auth.Tokens;
import dev.gateway.core.config.AuthConfig;
import dev.gateway.core.config.GatewayConfig.Bucket;
import dev.gateway.core.config.GatewayConfig.Listener;
import dev.gateway.core.config.GatewayConfig.LoggingConfig;
import dev.gateway.core.config.GatewayConfig.OperationConfig;
import dev.gateway.core.config.GatewayConfig.RateLimitConfig;
import dev.gateway.core.config.GatewayConfig.ResponseValidation;
import dev.gateway.core.config.GatewayConfig.RouteConfig;
import dev.gateway.core.config.GatewayConfig.TracingConfig;
import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.MigrationConfig;
import dev.gateway.core.net.Transport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The warm-up: synthetic requests through the whole request path before the gateway says it is ready,
 * so that the first callers meet compiled code rather than the interpreter.
 *
 * <p>The requests go to a private copy of the gateway built from the same settings (contract, routes,
 * client limits, the pipeline's classes), on its own event loop, listening on an ephemeral loopback port.
 * Its upstreams are one in-process stub ({@link WarmUpStub}), its credentials are a random API key (and an HS256
 * key when the configuration accepts JWTs) that exist only in the copy, its rate limits never refuse, and
 * it has no access log, no tracing, no response checks, no health checks, no admin listener and its own
 * metrics registry. So
 * nothing of the warm-up reaches a real upstream, the served metrics or the logs; what it leaves behind
 * is the JIT's compiled code, which every event loop shares.
 *
 * <p>The requests are those of the bundled contract's hot path (read a trade with an API key, with a
 * JWT when tokens are accepted, and place one with a JSON body), over HTTP/1.1 and, when the listener
 * speaks it, over HTTP/2 too ({@link WarmUpH2Client}, in cleartext). Against another contract they end in
 * routing or validation and warm only the front of the pipeline.
 */
public final class WarmUp {
    /** What a warm-up did: requests answered, those not answered 2xx, and its duration in ms. */
    public record Result(int requests, int failed, long millis) {
        static final Result SKIPPED = new Result(0, 0, 0);
    }

    private static final String READ_TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final byte[] NEW_TRADE = ("{\"clientOrderId\":\"ord-warmup\",\"accountId\":\"ACC-00012345\","
            + "\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}")
            .getBytes(StandardCharsets.US_ASCII);
    /** Closed-loop clients: enough to keep the copy's loop busy while one of them waits on the stub. */
    private static final int CLIENTS = 4;
    private static final int REQUESTS_PER_CONNECTION = 32;
    private static final Bucket UNLIMITED = new Bucket(1e9, 1_000_000_000);

    private WarmUp() {
    }

    /**
     * Runs the warm-up for {@code real.warmup()}: until that many requests were answered or its
     * {@code maxDuration} is over. Blocks; never call it on an event loop.
     *
     * @param scopes every scope the contract requires somewhere (the warm-up key holds them all)
     * @throws Exception when the copy cannot start; a request that fails only counts as failed
     */
    static Result run(GatewayConfig real, Set<String> scopes) throws Exception {
        long start = System.nanoTime();
        long deadline = start + real.warmup().maxDuration().toNanos();
        SecureRandom random = new SecureRandom();
        String apiKey = token(random, 24);
        byte[] hmac = new byte[32];
        random.nextBytes(hmac);
        try (WarmUpStub stub = new WarmUpStub(Transport.best())) {
            GatewayConfig copyConfig = copyOf(real, stub, apiKey, hmac, scopes);
            String jwt = copyConfig.auth().acceptsTokens()
                    ? Tokens.mint(copyConfig.auth(), "warmup", "warmup", String.join(" ", scopes), Duration.ofHours(1))
                    : null;
            List<byte[]> requests = requests(apiKey, jwt);
            List<WarmUpH2Client.Request> streams = WarmUpH2Client.of(requests);
            boolean h2 = copyConfig.listener().http2() != null;
            Gateway copy = Gateway.startWarmUpCopy(copyConfig);
            try {
                AtomicInteger sent = new AtomicInteger();
                AtomicInteger failed = new AtomicInteger();
                int limit = real.warmup().requests();
                List<Thread> clients = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    // With HTTP/2 on, one of the clients speaks it: its path is compiled too.
                    Runnable client = h2 && i == CLIENTS - 1
                            ? () -> WarmUpH2Client.drive(copy.port(), streams, limit, deadline, sent, failed)
                            : () -> drive(copy.port(), requests, limit, deadline, sent, failed);
                    Thread t = new Thread(client, "gateway-warmup-client-" + i);
                    t.setDaemon(true);
                    t.start();
                    clients.add(t);
                }
                for (Thread t : clients) {
                    t.join();
                }
                return new Result(Math.min(sent.get(), limit), failed.get(),
                        (System.nanoTime() - start) / 1_000_000);
            } finally {
                copy.close();
            }
        }
    }

    /**
     * One closed-loop client: one request at a time on a keep-alive connection, and a new connection
     * every {@link #REQUESTS_PER_CONNECTION} requests (or after a failure), so that accepting and setting
     * up a connection is compiled too: a burst of new connections is what a gateway meets first.
     */
    public static void drive(int port, List<byte[]> requests, int limit, long deadline, AtomicInteger sent,
            AtomicInteger failed) {
        byte[] buffer = new byte[8192];
        while (System.nanoTime() - deadline < 0 && sent.get() < limit) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setTcpNoDelay(true);
                s.setSoTimeout(2_000);
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream());
                for (int i = 0, n; i < REQUESTS_PER_CONNECTION && System.nanoTime() - deadline < 0
                        && (n = sent.getAndIncrement()) < limit; i++) {
                    out.write(requests.get(n % requests.size()));
                    out.flush();
                    int status = readResponse(in, buffer);
                    if (status < 200 || status > 299) {
                        failed.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                failed.incrementAndGet(); // a new connection and on: the warm-up is best effort
            }
        }
    }

    /** Reads one response framed by {@code Content-Length} (all the copy sends here); returns its status. */
    private static int readResponse(InputStream in, byte[] buffer) throws IOException {
        int len = 0;
        while (len < 4 || buffer[len - 4] != '\r' || buffer[len - 3] != '\n' || buffer[len - 2] != '\r'
                || buffer[len - 1] != '\n') {
            int b = in.read();
            if (b < 0 || len == buffer.length) {
                throw new IOException("response head cut or too long");
            }
            buffer[len++] = (byte) b;
        }
        String head = new String(buffer, 0, len, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(head.substring(9, 12));
        long body = 0;
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                body = Long.parseLong(line.substring(15).trim());
            }
        }
        for (long left = body; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("response body cut");
            }
            left -= n;
        }
        return status;
    }

    /** The requests, in the proportions of a read-mostly trading client. */
    public static List<byte[]> requests(String apiKey, String jwt) {
        String read = "GET " + READ_TRADE + " HTTP/1.1\r\nHost: warmup\r\nAccept: application/json\r\n";
        String place = "POST /v1/trades HTTP/1.1\r\nHost: warmup\r\nContent-Type: application/json\r\nContent-Length: "
                + NEW_TRADE.length + "\r\n";
        String byKey = "X-API-Key: " + apiKey + "\r\n\r\n";
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            out.add(ascii(read + byKey));
        }
        out.add(ascii(jwt != null ? read + "Authorization: Bearer " + jwt + "\r\n\r\n" : read + byKey));
        byte[] head = ascii(place + byKey);
        byte[] post = new byte[head.length + NEW_TRADE.length];
        System.arraycopy(head, 0, post, 0, head.length);
        System.arraycopy(NEW_TRADE, 0, post, head.length, NEW_TRADE.length);
        out.add(post);
        return out;
    }

    /**
     * The copy's settings: the real ones with loopback listeners, one event loop, the stub for every
     * upstream, the warm-up's own credentials, rate limits that never refuse, no access log, no tracing.
     */
    /** No admin changes, no reload, nothing written to disk: the copy only takes synthetic requests. */
    private static MigrationConfig quiet(MigrationConfig m) {
        MigrationConfig.JournalConfig d = m.diffLog();
        MigrationConfig.JournalConfig c = m.capture().journal();
        return new MigrationConfig(m.overrideScope(), Map.of(), false,
                new MigrationConfig.JournalConfig(null, d.maxBytes(), d.files(), d.maxBodyBytes()),
                new MigrationConfig.CaptureConfig(new MigrationConfig.JournalConfig(null, c.maxBytes(), c.files(),
                        c.maxBodyBytes()), 0), m.sloGuard());
    }

    static GatewayConfig copyOf(GatewayConfig real, WarmUpStub stub, String apiKey, byte[] hmac,
            Set<String> scopes) {
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        Map<String, RateLimitConfig> limits = new LinkedHashMap<>();
        for (UpstreamConfig u : real.upstreams().values()) {
            upstreams.put(u.name(), new UpstreamConfig(u.name(), List.of("127.0.0.1:" + stub.port()), u.connectTimeout(),
                    u.responseTimeout(), u.maxConnectionsPerEndpoint(), u.maxPendingAcquires(),
                    u.maxConcurrentRequests(), u.poolIdleTimeout(), u.healthCheck(), u.breaker(),
                    u.outlierEjection(), u.retries(), false, null)); // the stub speaks cleartext
            if (real.rateLimits().containsKey(u.name())) {
                limits.put(u.name(), new RateLimitConfig(u.name(), UNLIMITED, UNLIMITED));
            }
        }
        AuthConfig a = real.auth();
        boolean tokens = a.acceptsTokens();
        AuthConfig auth = new AuthConfig(a.clockSkew(), a.maxTokenBytes(),
                tokens && !a.issuers().isEmpty() ? a.issuers() : List.of("warmup"), a.audience(),
                tokens ? Map.of("warmup", hmac) : Map.of(), null, null, a.jwksRefresh(), a.jwksMinRefresh(),
                a.tokenCacheSize(),
                Map.of("warmup", new AuthConfig.ApiKey("warmup", sha256(apiKey), List.copyOf(scopes))),
                AuthConfig.ClientCertificates.OFF); // its loopback listener has no TLS
        TracingConfig t = real.tracing();
        Listener loopback = new Listener("127.0.0.1", 0);
        Listener listener = new Listener("127.0.0.1", 0, null, real.listener().http2()); // cleartext; HTTP/2 as the real one
        // No response checks: the stub's one answer need not fit another contract, and a mismatch would be
        // logged as if a real upstream had sent it.
        List<RouteConfig> routes = real.routes().stream()
                .map(r -> new RouteConfig(r.prefix(), r.upstream(), ResponseValidation.OFF, r.totalTimeout())).toList();
        Map<String, OperationConfig> operations = new LinkedHashMap<>();
        real.operations().forEach((id, o) -> operations.put(id, new OperationConfig(id, o.responseTimeout(),
                o.idleTimeout(), o.maxBodyBytes(), o.responseValidation() == null ? null : ResponseValidation.OFF)));
        return new GatewayConfig(listener, loopback, real.contract(), 1, real.allocator(), real.client(),
                // Local buckets: the private copy shares nothing, and its limits are raised out of the way.
                real.shutdown(), upstreams, routes, operations, auth, limits,
                GatewayConfig.RateLimitStoreConfig.LOCAL,
                new LoggingConfig(real.logging().level(), false),
                new TracingConfig(false, t.endpoint(), t.sampleRatio(), t.serviceName(), t.exportTimeout(),
                        t.scheduleDelay(), t.maxQueueSize()),
                real.warmup(), quiet(real.migration()));
    }

    private static String token(SecureRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes of a request or header written in US-ASCII (RFC 9112 §2.2). */
    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
