package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shaded jar under a 256 MiB memory bound survives the two loads that weigh on its memory most, one
 * after the other in one process, with no error and no leak report: 1,024 keep-alive client connections
 * open at once, each with several requests, and a 256 MiB streamed upload, sent once with a
 * Content-Length and once chunked.
 *
 * <p>Why these sizes: 1,024 is the default per-upstream limit of pooled connections and of requests in
 * flight ({@code maxConnectionsPerEndpoint}, {@code maxConcurrentRequests}), so every connection's
 * request can be in flight at once without a 503, and the gateway holds 1,024 client connections and up
 * to 1,024 upstream connections together. 256 MiB ({@code client.maxBody}, the contract's "up to 256 MiB"
 * for {@code uploadArtifact}) is the largest body the gateway accepts (one byte more is refused with 413,
 * which the test checks), and equals the whole memory bound: a gateway that held the body instead of
 * streaming it could not pass.
 *
 * <p>How it is honest: the gateway is its own process ({@link #GATEWAY_JVM}: {@code -XX:MaxRAM=256m} and the
 * launcher's split of 256 MiB, {@code -XX:+ExitOnOutOfMemoryError} so an OOM is a dead process, paranoid leak
 * detection), in front of
 * the demo upstreams in another process, which hash what they receive and answer with its size and
 * SHA-256. The bound is shown to be in effect by the gateway's own {@code jvm_memory_bytes_max} of the
 * heap (this machine's default heap would be a quarter of its memory). Each trade answer is checked by
 * the client (200, keep-alive, a complete body naming the trade) and, with {@code responseValidation:
 * enforce}, by the gateway against the contract. Before stopping, a full collection in the gateway
 * ({@code jcmd GC.run}) and a few requests make Netty's detector report any buffer dropped unreleased;
 * the log's dropped-line counter must be 0 so that a report cannot have been lost. Then SIGTERM, a clean
 * exit, and none of {@code LEAK:} or {@code OutOfMemoryError} in the whole output. The peak RSS (VmHWM)
 * is printed, not asserted: {@code MaxRAM} sizes the heap, it does not cap the process.
 *
 * <p>The upstream timeouts are raised far above the defaults: 1,024 requests at once through three JVMs
 * on two cores wait seconds in queues, and a 503 or 504 from a default timeout would measure the
 * machine's CPU, not the gateway's memory. Besides those, response validation and a drain without
 * delay, the settings are the defaults, with the tests' API key ({@code it-key}, not rate limited).
 */
class MemoryBoundTest {
    /**
     * The gateway's JVM: the bound, an OOM as a dead process, and every buffer tracked. The one place to
     * switch to the launcher's bounds (GATEWAY_MEMORY=256m) once it exists.
     */
    /**
     * The bound as the production launcher sets it for {@code GATEWAY_MEMORY=256m} (a quarter each for heap
     * and direct memory, the serial collector, bounded code cache and stacks), under {@code MaxRAM} as well.
     */
    static final List<String> GATEWAY_JVM = List.of("-XX:MaxRAM=256m", "-XX:+UseSerialGC", "-Xms16m", "-Xmx64m",
            "-XX:MaxDirectMemorySize=64m", "-XX:ReservedCodeCacheSize=64m", "-Xss512k", "-XX:+ExitOnOutOfMemoryError",
            "-Dio.netty.leakDetection.level=paranoid");
    static final long BOUND = 256L << 20;

    static final int CONNECTIONS = 1024;
    static final int REQUESTS_PER_CONNECTION = 8;
    static final String TRADE_ID = "trd_abcdefghij0123456789";
    static final String TRADE = "/v1/trades/" + TRADE_ID;

    /** {@code client.maxBody}: the largest request body the gateway accepts. */
    static final long UPLOAD_BYTES = 256L << 20;
    static final String ARTIFACT = "/v1/tasks/tsk_memorybound000000000/artifacts/memory-bound.bin";
    static final int PIECE = 256 * 1024;

    /** File descriptors beyond the sockets under test: jars, the JVM's own, the admin port, logs. */
    static final int FD_MARGIN = 256;

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(240) // a safety net for a gateway that stops answering, not a speed target
    void survives1024KeepAliveConnectionsAndA256MiBUploadWithNoErrorAndNoLeak() throws Exception {
        long start = System.nanoTime();
        requireFileDescriptors("the test JVM", testJvmMaxFds(), CONNECTIONS + FD_MARGIN);
        try (GatewayProcess demo = GatewayProcess.demoUpstreams();
                GatewayProcess gw = GatewayProcess.gateway(GATEWAY_JVM, config(demo))) {
            assertEquals(200, Hashing.awaitReady(gw.adminPort).status(), () -> appLines(gw.outputSoFar()));
            Exposition before = Exposition.scrape(gw.adminPort);
            double maxHeap = before.sum("jvm_memory_bytes_max", "area", "heap");
            assertTrue(maxHeap > 0 && maxHeap <= BOUND, "the gateway's max heap is " + mib(maxHeap)
                    + ": the bound " + GATEWAY_JVM + " is not in effect");
            // 1,024 client connections and up to 1,024 upstream connections at once.
            requireFileDescriptors("the gateway", (long) before.sum("process_max_fds"), 2 * CONNECTIONS + FD_MARGIN);

            long t0 = System.nanoTime();
            manyKeepAliveConnections(gw);
            long t1 = System.nanoTime();
            uploads(gw);
            long t2 = System.nanoTime();

            assertTrue(gw.process.isAlive(), () -> "the gateway died:\n" + appLines(gw.outputSoFar()));
            try (RawHttp admin = new RawHttp(gw.adminPort)) {
                for (String probe : List.of("/healthz", "/readyz")) {
                    RawHttp.Response r = admin.send("GET " + probe + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                    assertEquals(200, r.status(), probe + ": " + r.text());
                }
            }
            Exposition after = Exposition.scrape(gw.adminPort);
            assertEquals(0, after.sum("gateway_response_validation_total", "outcome", "invalid"),
                    "answers the contract does not allow");
            assertEquals((double) CONNECTIONS * REQUESTS_PER_CONNECTION,
                    after.sum("gateway_response_validation_total", "operation", "getTrade", "outcome", "valid"),
                    "trade answers the gateway found valid");
            assertEquals(2, after.sum("gateway_response_validation_total", "operation", "uploadArtifact",
                    "outcome", "valid"), "upload answers the gateway found valid");

            collectThenAllocate(gw);
            Exposition last = Exposition.scrape(gw.adminPort);
            assertTrue(last.has("gateway_log_lines_dropped_total"), "no dropped-log-line counter");
            assertEquals(0, last.sum("gateway_log_lines_dropped_total"),
                    "log lines were dropped: a leak report may be among them");
            long pid = gw.process.pid();
            System.out.printf("MemoryBoundTest: gateway %s: max heap %s; heap used %s, committed %s; non-heap "
                            + "committed %s; GC %.2f s in %.0f collections; RSS %s, peak RSS (VmHWM) %s%n",
                    GATEWAY_JVM, mib(maxHeap), mib(last.sum("jvm_memory_bytes_used", "area", "heap")),
                    mib(last.sum("jvm_memory_bytes_committed", "area", "heap")),
                    mib(last.sum("jvm_memory_bytes_committed", "area", "nonheap")),
                    last.sum("jvm_gc_collection_seconds_sum"), last.sum("jvm_gc_collection_seconds_count"),
                    procStatus(pid, "VmRSS"), procStatus(pid, "VmHWM"));
            System.out.printf("MemoryBoundTest: %d connections x %d requests in %d ms, 2 uploads of %s in %d ms%n",
                    CONNECTIONS, REQUESTS_PER_CONNECTION, TimeUnit.NANOSECONDS.toMillis(t1 - t0), mib(UPLOAD_BYTES),
                    TimeUnit.NANOSECONDS.toMillis(t2 - t1));
            assertTrue(gw.process.isAlive(), () -> "the gateway died:\n" + appLines(gw.outputSoFar()));

            gw.process.destroy(); // SIGTERM: the graceful stop
            assertTrue(gw.process.waitFor(30, TimeUnit.SECONDS), () -> "no exit within 30 s of SIGTERM:\n"
                    + appLines(gw.outputSoFar()));
            String out = gw.outputToEnd(10);
            assertEquals(0, gw.process.exitValue(), () -> "exit after SIGTERM:\n" + appLines(out));
            assertFalse(out.contains("LEAK:"), () -> "leak reports:\n" + linesWith(out, "LEAK"));
            assertFalse(out.contains("OutOfMemoryError") || out.contains("OutOfDirectMemoryError"),
                    () -> "out of memory:\n" + appLines(out));
            assertTrue(out.contains("gateway stopped"), () -> appLines(out));
        }
        System.out.printf("MemoryBoundTest: %d ms in all%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private static String config(GatewayProcess demo) {
        // For the demo process, the two ports read from its output are the trade and the task service.
        // The defaults are 1 s to get a pooled connection, 2 s to an answer and 5 s for a trade route.
        String timeouts = ", connectTimeout: 10s, responseTimeout: 30s";
        return "upstreams:\n"
                + "  trade: {endpoints: [127.0.0.1:" + demo.port + "]" + timeouts + "}\n"
                + "  task: {endpoints: [127.0.0.1:" + demo.adminPort + "]" + timeouts + "}\n"
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, totalTimeout: 30s}\n"
                + "  - {prefix: /v1/tasks, upstream: task, totalTimeout: 30s}\n"
                + "operations:\n"
                + "  getTrade: {responseValidation: enforce}\n"
                + "  uploadArtifact: {responseValidation: enforce}\n"
                + "shutdown: {drainDelay: 0s, grace: 20s}\n";
    }

    /**
     * 1,024 connections open at once, each with its first answer in; the gateway counts them all open;
     * then each sends the rest of its requests on the same connection. Every answer is 200 with a whole
     * body, and once the client closes, the gateway's count of open connections returns to 0.
     */
    private static void manyKeepAliveConnections(GatewayProcess gw) throws Exception {
        try (KeepAliveLoad load = new KeepAliveLoad(gw.port, CONNECTIONS, REQUESTS_PER_CONNECTION, TRADE,
                Map.of("X-API-Key", "it-key"), MemoryBoundTest::tradeProblem)) {
            load.openAll(Duration.ofSeconds(60));
            assertEquals(0, load.errors(), load::toString);
            assertEquals(CONNECTIONS, load.connected());
            Exposition held = Exposition.scrape(gw.adminPort);
            assertTrue(held.sum("gateway_client_connections") >= CONNECTIONS,
                    "the gateway counts " + held.sum("gateway_client_connections") + " open client connections");
            System.out.printf("MemoryBoundTest: %d connections held; the gateway's open fds %.0f, upstream "
                            + "connections %.0f%n",
                    CONNECTIONS, held.sum("process_open_fds"), held.sum("gateway_upstream_connections"));
            load.finish(Duration.ofSeconds(60));
            assertEquals(0, load.errors(), load::toString);
            assertEquals((long) CONNECTIONS * REQUESTS_PER_CONNECTION, load.good(), load::toString);
        }
        Poll.until(Duration.ofSeconds(10), "the gateway's open client connections back to 0",
                () -> Exposition.scrape(gw.adminPort).sum("gateway_client_connections") == 0);
    }

    /** What is wrong with one trade answer, or {@code null}. */
    private static String tradeProblem(FullHttpResponse r) {
        if (!r.decoderResult().isSuccess()) {
            return "not a whole response: " + r.decoderResult().cause();
        }
        String body = r.content().toString(StandardCharsets.UTF_8);
        if (r.status().code() != 200) {
            return r.status() + " " + body;
        }
        if (!HttpUtil.isKeepAlive(r)) {
            return "not keep-alive: " + r.headers().get(HttpHeaderNames.CONNECTION);
        }
        String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.startsWith("application/json")) {
            return "Content-Type " + type;
        }
        String length = r.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && Long.parseLong(length) != r.content().readableBytes()) {
            return "Content-Length " + length + " but " + r.content().readableBytes() + " bytes";
        }
        try {
            JsonNode trade = JSON.readTree(new ByteBufInputStream(r.content().duplicate()));
            if (!TRADE_ID.equals(trade.path("tradeId").asText())) {
                return "not the trade asked for: " + body;
            }
        } catch (IOException e) {
            return "not JSON (" + e.getMessage() + "): " + body;
        }
        return null;
    }

    /**
     * One byte over the limit is refused at the head; exactly the limit goes through, with a
     * Content-Length and then chunked, and the upstream received every byte.
     */
    private static void uploads(GatewayProcess gw) throws Exception {
        try (RawHttp c = new RawHttp(gw.port)) {
            RawHttp.Response r = c.send(uploadHead("Content-Length: " + (UPLOAD_BYTES + 1))).read();
            assertEquals(413, r.status(), r.text());
            assertEquals("PAYLOAD_TOO_LARGE", JSON.readTree(r.body()).path("error").path("code").asText());
        }
        try (RawHttp c = new RawHttp(gw.port)) {
            for (boolean chunked : new boolean[] {false, true}) {
                String sent = upload(c, chunked, chunked ? 2 : 1);
                RawHttp.Response r = c.read();
                String how = chunked ? "chunked" : "with a Content-Length";
                assertEquals(201, r.status(), how + ": " + r.text());
                JsonNode artifact = JSON.readTree(r.body());
                assertEquals(UPLOAD_BYTES, artifact.path("size").asLong(), how + ": bytes the upstream received");
                assertEquals(sent, artifact.path("sha256").asText(), how + ": digest of what the upstream received");
            }
        }
    }

    private static String uploadHead(String framing) {
        return "PUT " + ARTIFACT + " HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n"
                + "Content-Type: application/octet-stream\r\n" + framing + "\r\n\r\n";
    }

    /**
     * Sends {@link #UPLOAD_BYTES} generated bytes as they are made, 256 KiB at a time, and returns the
     * SHA-256 of what was sent. Chunked: each piece is one chunk.
     */
    private static String upload(RawHttp c, boolean chunked, long seed) throws IOException {
        c.send(uploadHead(chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + UPLOAD_BYTES));
        MessageDigest sha = Hashing.sha();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] prefix = Hashing.ascii(Integer.toHexString(PIECE) + "\r\n");
        int from = chunked ? prefix.length : 0;
        byte[] frame = new byte[from + PIECE + (chunked ? 2 : 0)];
        System.arraycopy(prefix, 0, frame, 0, from);
        if (chunked) {
            frame[frame.length - 2] = '\r';
            frame[frame.length - 1] = '\n';
        }
        ByteBuffer longs = ByteBuffer.wrap(frame, from, PIECE).slice();
        long sent = 0;
        while (sent < UPLOAD_BYTES) {
            longs.clear();
            while (longs.hasRemaining()) {
                longs.putLong(random.nextLong());
            }
            int n = (int) Math.min(PIECE, UPLOAD_BYTES - sent);
            sha.update(frame, from, n);
            if (n == PIECE) {
                c.send(frame);
            } else if (chunked) {
                byte[] last = Hashing.ascii(Integer.toHexString(n) + "\r\n");
                c.send(last).send(Arrays.copyOfRange(frame, from, from + n)).send(Hashing.ascii("\r\n"));
            } else {
                c.send(Arrays.copyOf(frame, n));
            }
            sent += n;
        }
        if (chunked) {
            c.send("0\r\n\r\n");
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * A full collection in the gateway, then requests: Netty's detector reports a buffer that was
     * collected unreleased when it tracks the next allocation, so any leak of the runs above is logged.
     */
    private static void collectThenAllocate(GatewayProcess gw) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(gw.process.pid()), "GC.run").redirectErrorStream(true).start();
        String said = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jcmd.waitFor(30, TimeUnit.SECONDS), "jcmd GC.run did not finish: " + said);
        assertEquals(0, jcmd.exitValue(), "jcmd GC.run: " + said);
        try (RawHttp c = new RawHttp(gw.port)) {
            for (int i = 0; i < 16; i++) {
                RawHttp.Response r =
                        c.send("GET " + TRADE + " HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n").read();
                assertEquals(200, r.status(), r.text());
            }
        }
    }

    private static long testJvmMaxFds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        throw new AssertionError("cannot read this JVM's file descriptor limit (not a Unix JVM): "
                + "this test needs " + (CONNECTIONS + FD_MARGIN));
    }

    private static void requireFileDescriptors(String who, long limit, long needed) {
        if (limit < needed) {
            throw new AssertionError(who + " may open " + limit + " files, and this test needs at least " + needed
                    + " for " + CONNECTIONS + " connections: raise the limit (ulimit -n) where the build runs");
        }
    }

    /** A field of /proc/PID/status (Linux), such as VmHWM, the peak resident set. */
    private static String procStatus(long pid, String field) throws IOException {
        Path status = Path.of("/proc", String.valueOf(pid), "status");
        if (!Files.isReadable(status)) {
            return "n/a";
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return "n/a";
    }

    private static String mib(double bytes) {
        return String.format("%.1f MiB", bytes / (1 << 20));
    }

    /** The output without access lines (thousands of them), the last 200 lines at most. */
    private static String appLines(String out) {
        List<String> lines = out.lines().filter(l -> !l.contains("\"msg\":\"request ")).collect(Collectors.toList());
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 200), lines.size()));
    }

    private static String linesWith(String out, String text) {
        return out.lines().filter(l -> l.contains(text)).limit(50).collect(Collectors.joining("\n"));
    }
}
