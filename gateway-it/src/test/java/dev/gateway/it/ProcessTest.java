package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shaded jar as its own process: small-heap streaming and the SIGTERM drain. */
class ProcessTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** For the demo process, the two ports read from its output are the trade and the task service. */
    private static String upstreamsAt(GatewayProcess demo) {
        return "upstreams:\n"
                + "  trade: {endpoints: [127.0.0.1:" + demo.port + "]}\n"
                + "  task: {endpoints: [127.0.0.1:" + demo.adminPort + "]}\n";
    }

    @Test
    void readyzWaitsForTheWarmUpWhichLeavesNothingBehind() throws Exception {
        try (TestUpstream upstream = new TestUpstream();
                GatewayProcess gw = GatewayProcess.gateway(List.of(),
                        "upstreams:\n  trade: {endpoints: [127.0.0.1:" + upstream.port() + "]}\n"
                        + "  task: {endpoints: [127.0.0.1:" + upstream.port() + "]}\n"
                        // more requests than it can make in 4 s: it ends by its time, so the test sees it run
                        + "warmup: {requests: 10000000, maxDuration: 4s}\n")) {
            RawHttp.Response warming;
            try (RawHttp c = new RawHttp(gw.adminPort)) {
                warming = c.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").read();
            }
            assertEquals(503, warming.status(), warming.text());
            java.util.regex.Matcher done = gw.awaitLine(
                    java.util.regex.Pattern.compile("warm-up: (\\d+) requests through the pipeline in (\\d+) ms \\((\\d+) not"), 30);
            assertTrue(Integer.parseInt(done.group(1)) > 0, done.group());
            assertEquals("0", done.group(3), "warm-up requests answered other than 2xx: " + done.group());
            assertEquals(200, Hashing.awaitReady(gw.adminPort).status());
            // Nothing of it reached the real upstream (TCP health checks send no request), the access log
            // or the served request metrics.
            assertEquals(0, upstream.received.size(), String.valueOf(upstream.received.peek()));
            String out = gw.outputSoFar();
            assertTrue(!out.contains("\"msg\":\"request "), out);
            String metrics;
            try (RawHttp c = new RawHttp(gw.adminPort)) {
                metrics = c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").read().text();
            }
            assertTrue(metrics.lines().filter(l -> l.startsWith("http_request_duration_seconds_count"))
                    .allMatch(l -> l.endsWith(" 0.0")), metrics);
            // And the gateway serves for real once ready.
            try (RawHttp c = new RawHttp(gw.port)) {
                assertEquals(200, c.send("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\n"
                        + "X-API-Key: it-key\r\n\r\n").read().status());
            }
            assertEquals(1, upstream.received.size());
        }
    }

    @Test
    void a256MiBArtifactGoesUpAndComesBackThroughASmallHeap() throws Exception {
        long size = 256L * 1024 * 1024;
        String path = "/v1/tasks/tsk_bigbigbigbigbigbigbi/artifacts/settlement.bin";
        try (GatewayProcess demo = GatewayProcess.demoUpstreams();
                GatewayProcess gw = GatewayProcess.gateway(
                        List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m"), upstreamsAt(demo))) {
            String sha;
            try (RawHttp c = new RawHttp(gw.port)) {
                sha = Hashing.uploadRandom(c, path, size, 256);
                c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n");
                RawHttp.Response head = c.readHead();
                assertEquals(200, head.status());
                assertEquals(String.valueOf(size), head.header("content-length"));
                assertEquals(sha, Hashing.sha256(c.input(), size));
            }
            assertTrue(gw.process.isAlive(), gw.outputSoFar());
            String out = gw.outputSoFar();
            assertTrue(!out.contains("OutOfMemoryError") && !out.contains("OutOfDirectMemoryError"), out);
        }
    }

    /**
     * SIGHUP, as operators send it: the file is read again and the route's new weight applied; a bad file is
     * refused with the running configuration kept; the process never stops for it.
     */
    @Test
    void sighupReloadsTheFileAndABadOneIsRefusedWhileTheProcessRuns() throws Exception {
        Path config = Files.createTempFile("gateway-reload", ".yaml");
        config.toFile().deleteOnExit();
        try (GatewayProcess demo = GatewayProcess.demoUpstreams()) {
            IntFunction<String> yaml = weight -> upstreamsAt(demo)
                    + "  legacy: {endpoints: [127.0.0.1:" + demo.port + "], forwardCredentials: true}\n"
                    + "routes:\n  - {prefix: /v1/trades, upstream: trade, split: {stable: legacy, canaryWeight: "
                    + weight + "}}\n  - {prefix: /v1/tasks, upstream: task}\n"
                    + "migration: {watchConfig: false}\n";
            try (GatewayProcess gw = GatewayProcess.gateway(List.of(), config, yaml.apply(10))) {
                assertEquals(200, Hashing.awaitReady(gw.adminPort).status());
                Files.writeString(config, GatewayProcess.settings(yaml.apply(40)));
                hangUp(gw);
                gw.awaitLine(Pattern.compile(
                        "configuration reloaded \\(SIGHUP\\).*canaryWeight 10\\.0.*-> split legacy canaryWeight 40\\.0"),
                        30);
                Files.writeString(config, "routes: [not: valid: yaml");
                hangUp(gw);
                gw.awaitLine(Pattern.compile("configuration reload \\(SIGHUP\\) refused"), 30);
                assertTrue(gw.process.isAlive(), "SIGHUP never stops the gateway");
                assertEquals(200, Hashing.awaitReady(gw.adminPort).status());
            }
        }
    }

    private static void hangUp(GatewayProcess gw) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(gw.process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -HUP");
    }

    @Test
    void sigtermDrainsInFlightRequestsThenExitsZero() throws Exception {
        byte[] artifact = new byte[200_000];
        new java.util.Random(3).nextBytes(artifact);
        try (GatewayProcess demo = GatewayProcess.demoUpstreams();
                GatewayProcess gw = GatewayProcess.gateway(List.of(),
                        upstreamsAt(demo) + "shutdown: {drainDelay: 500ms, grace: 20s}\n");
                RawHttp upload = new RawHttp(gw.port);
                RawHttp idle = new RawHttp(gw.port)) {
            assertEquals(200, Hashing.awaitReady(gw.adminPort).status());
            assertEquals(200, idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\n\r\n").read().status());
            // In flight: an upload whose second half the test holds back until the drain is under way.
            upload.send("PUT /v1/tasks/tsk_abcdefghij0123456789/artifacts/eod.csv HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + artifact.length + "\r\n\r\n");
            upload.send(java.util.Arrays.copyOf(artifact, 100_000));

            gw.process.destroy(); // SIGTERM

            // Readiness turns 503 as soon as the signal lands, while the listener still accepts.
            RawHttp.Response ready = awaitNotReady(gw.adminPort);
            assertEquals("not_ready", JSON.readTree(ready.body()).get("status").asText());
            awaitListenerClosed(gw.port);
            RawHttp.Response refused = idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\n\r\n").read();
            assertEquals(503, refused.status());
            assertEquals("DRAINING", JSON.readTree(refused.body()).get("error").get("code").asText());
            assertEquals("close", refused.header("connection"));
            assertTrue(idle.closedByServer());

            upload.send(java.util.Arrays.copyOfRange(artifact, 100_000, artifact.length));
            RawHttp.Response stored = upload.read();
            assertEquals(201, stored.status(), stored.text());
            assertEquals(Hashing.sha256(artifact), JSON.readTree(stored.body()).get("sha256").asText());
            assertEquals("close", stored.header("connection"));

            assertTrue(gw.process.waitFor(30, TimeUnit.SECONDS), gw.outputSoFar());
            assertEquals(0, gw.process.exitValue(), gw.outputSoFar());
        }
    }

    private static RawHttp.Response awaitNotReady(int adminPort) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            try (RawHttp admin = new RawHttp(adminPort)) {
                RawHttp.Response r = admin.send("GET /readyz HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n").read();
                if (r.status() == 503) {
                    return r;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("readyz still " + r.status() + " a second after SIGTERM");
                }
            }
        }
    }

    /** After the drain delay the listener stops accepting: wait for a refused connect. */
    private static void awaitListenerClosed(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                Thread.sleep(10);
            } catch (ConnectException e) {
                return;
            } catch (IOException e) {
                return;
            }
        }
        throw new AssertionError("listener still accepting");
    }
}
