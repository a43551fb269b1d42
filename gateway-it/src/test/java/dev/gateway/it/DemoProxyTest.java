package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway in front of the in-process demo upstreams, over real sockets. */
class DemoProxyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TRADE = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\","
            + "\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}";
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gw.test\r\nX-API-Key: it-key\r\n\r\n";
    }

    static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: gw.test\r\n"
                + "X-API-Key: it-key\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void thousandSequentialRequestsShareOneUpstreamConnection() throws Exception {
        int before = gateway.demo().connectionsUsed("trade");
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 0; i < 1000; i++) {
                RawHttp.Response r = c.send(get("/v1/trades/trd_abcdefghij0123456789")).read();
                assertEquals(200, r.status(), r.text());
            }
        }
        // One connection, new or left idle in the pool by an earlier test.
        int opened = gateway.demo().connectionsUsed("trade") - before;
        assertTrue(opened <= 1, "connections opened: " + opened);
    }

    @Test
    void aHeadAsLargeAsTheGatewayForwardsIsServedAndLeavesThePooledConnectionClean() throws Exception {
        // 24 KiB of headers: within the gateway's 32 KiB, so the demo service must read it too. A demo that
        // refused it while keeping its connection would swallow the next request sent on that connection.
        String big = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: gw.test\r\nX-API-Key: it-key\r\n"
                + "X-Padding: " + "p".repeat(24 * 1024) + "\r\n\r\n";
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertEquals(200, c.send(big).read().status());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, c.send(get("/v1/trades/trd_abcdefghij0123456789")).read().status());
            }
        }
    }

    @Test
    void aRequestTheDemoServiceCannotReadIsRefusedAndItsConnectionClosed() throws Exception {
        String tooLarge = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: demo\r\n"
                + "X-Padding: " + "p".repeat(80 * 1024) + "\r\n\r\n";
        try (RawHttp c = new RawHttp(gateway.demo().portOf("trade"))) {
            RawHttp.Response r = c.send(tooLarge).read();
            assertEquals(400, r.status(), r.text());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByServer(), "nothing after an unreadable head can be framed");
        }
    }

    @Test
    void everyOperationOfTheContractIsServed() throws Exception {
        String trd = "trd_abcdefghij0123456789";
        String tsk = "tsk_abcdefghij0123456789";
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response placed = c.send(post("/v1/trades", TRADE)).read();
            assertEquals(201, placed.status());
            JsonNode trade = JSON.readTree(placed.body());
            assertTrue(trade.get("tradeId").asText().matches("^trd_[0-9a-z]{20}$"));
            assertEquals("/v1/trades/" + trade.get("tradeId").asText(), placed.header("location"));
            assertEquals(200, c.send(get("/v1/trades?accountId=ACC-00012345&limit=5")).read().status());
            RawHttp.Response batch = c.send(post("/v1/trades/batch", "{\"orders\":[" + TRADE + "," + TRADE + "]}"))
                    .read();
            assertEquals(207, batch.status());
            assertEquals(2, JSON.readTree(batch.body()).get("results").size());
            assertEquals(trd, JSON.readTree(c.send(get("/v1/trades/" + trd)).read().body()).get("tradeId").asText());
            assertEquals(202, c.send("DELETE /v1/trades/" + trd + " HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\n\r\n").read().status());
            RawHttp.Response task = c.send(post("/v1/tasks",
                    "{\"type\":\"REBALANCE\",\"accountId\":\"ACC-00012345\",\"priority\":5}")).read();
            assertEquals(202, task.status());
            assertTrue(JSON.readTree(task.body()).get("taskId").asText().matches("^tsk_[0-9a-z]{20}$"));
            assertEquals(200, c.send(get("/v1/tasks?accountId=ACC-00012345")).read().status());
            assertEquals(200, c.send(get("/v1/tasks/" + tsk)).read().status());
            assertEquals(202, c.send(post("/v1/tasks/" + tsk + "/cancel", "")).read().status());
            RawHttp.Response health = c.send(get("/healthz")).read();
            assertEquals("{\"status\":\"ok\"}", health.text());
        }
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405WithAllow() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response notFound = c.send(get("/v1/nothing")).read();
            assertEquals(404, notFound.status());
            JsonNode err = JSON.readTree(notFound.body()).get("error");
            assertEquals("NOT_FOUND", err.get("code").asText());
            assertEquals(notFound.header("x-request-id"), err.get("requestId").asText());
            assertEquals("application/json", notFound.header("content-type"));

            RawHttp.Response wrong = c.send("PATCH /v1/trades HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n").read();
            assertEquals(405, wrong.status());
            assertEquals("GET, POST", wrong.header("allow"));
            assertEquals("METHOD_NOT_ALLOWED", JSON.readTree(wrong.body()).get("error").get("code").asText());
            // Both answers kept the connection.
            assertEquals(200, c.send(get("/healthz")).read().status());
        }
    }

    @Test
    void pathsThatClimbOutAreRefused() throws Exception {
        String[] hostile = {"/v1/trades/../../admin", "/v1/trades/%2e%2e/%2e%2e/admin", "/v1/trades/a%2Fb",
            "/v1/trades/.%2e/x", "/v1/trades/a%5cb", "/v1/trades/%00"};
        for (String path : hostile) {
            try (RawHttp c = new RawHttp(gateway.port())) {
                RawHttp.Response r = c.send(get(path)).read();
                assertEquals(400, r.status(), path);
                assertEquals("VALIDATION_FAILED", JSON.readTree(r.body()).get("error").get("code").asText(), path);
            }
        }
        try (RawHttp c = new RawHttp(gateway.port())) {
            // Dot segments are removed and unreserved escapes decoded before matching.
            assertEquals(200, c.send(get("/v1/./trades/%74rd_abcdefghij0123456789")).read().status());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(get("/v1/trades/trd_aaaaaaaaaaaaaaaaaaaa") + get("/v1/nothing")
                    + "GET /v1/trades/trd_bbbbbbbbbbbbbbbbbbbb HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\nX-Request-Id: third\r\n\r\n");
            RawHttp.Response first = c.read();
            RawHttp.Response second = c.read();
            RawHttp.Response third = c.read();
            assertEquals(200, first.status());
            assertEquals("trd_aaaaaaaaaaaaaaaaaaaa", JSON.readTree(first.body()).get("tradeId").asText());
            assertEquals(404, second.status());
            assertEquals("trd_bbbbbbbbbbbbbbbbbbbb", JSON.readTree(third.body()).get("tradeId").asText());
            assertEquals("third", third.header("x-request-id"));
        }
    }

    @Test
    void pipelinedRequestsReuseOneUpstreamConnection() throws Exception {
        int before = gateway.demo().connectionsUsed("trade");
        try (RawHttp c = new RawHttp(gateway.port())) {
            StringBuilder four = new StringBuilder();
            for (char id = 'c'; id < 'g'; id++) {
                four.append(get("/v1/trades/trd_" + String.valueOf(id).repeat(20)));
            }
            c.send(four.toString());
            for (char id = 'c'; id < 'g'; id++) {
                RawHttp.Response r = c.read();
                assertEquals(200, r.status());
                assertEquals("trd_" + String.valueOf(id).repeat(20), JSON.readTree(r.body()).get("tradeId").asText());
            }
        }
        // Each exchange hands its connection back before its last write starts the next one: a new
        // connection per pipelined request would mean the previous call was torn down instead.
        assertTrue(gateway.demo().connectionsUsed("trade") - before <= 1,
                "connections opened: " + (gateway.demo().connectionsUsed("trade") - before));
    }

    @Test
    void everyRequestIsAnsweredExactlyOnceUnderConcurrency() throws Exception {
        int clients = 8;
        int perClient = 150;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Set<String>>> results = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                int client = t;
                results.add(pool.submit(() -> {
                    Set<String> seen = new HashSet<>();
                    try (RawHttp c = new RawHttp(gateway.port())) {
                        for (int i = 0; i < perClient; i++) {
                            String id = "c" + client + "-r" + i;
                            String req;
                            int expected;
                            switch (i % 3) {
                                case 0:
                                    req = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: x\r\n"
                                            + "X-API-Key: it-key\r\n";
                                    expected = 200;
                                    break;
                                case 1:
                                    req = "GET /v1/unknown HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n";
                                    expected = 404;
                                    break;
                                default:
                                    req = "POST /v1/trades HTTP/1.1\r\nHost: x\r\n"
                                            + "X-API-Key: it-key\r\nContent-Type: application/json\r\n"
                                            + "Content-Length: " + TRADE.length() + "\r\n";
                                    expected = 201;
                            }
                            c.send(req + "X-Request-Id: " + id + "\r\n\r\n" + (expected == 201 ? TRADE : ""));
                            RawHttp.Response r = c.read();
                            assertEquals(expected, r.status());
                            assertEquals(id, r.header("x-request-id"));
                            assertTrue(seen.add(r.header("x-request-id")), "answered twice: " + id);
                        }
                    }
                    return seen;
                }));
            }
            int total = 0;
            for (Future<Set<String>> f : results) {
                total += f.get().size();
            }
            assertEquals(clients * perClient, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eventStreamReachesTheClientEventByEvent() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(get("/v1/tasks/tsk_abcdefghij0123456789/events"));
            RawHttp.Response head = c.readHead();
            assertEquals(200, head.status());
            assertEquals("text/event-stream", head.header("content-type"));
            assertEquals("chunked", head.header("transfer-encoding"));
            long sentBefore = gateway.demo().eventsSent();
            String firstData = null;
            while (firstData == null) {
                String line = c.line();
                if (line.startsWith("data: ")) {
                    firstData = line;
                }
            }
            // The first event is here while the upstream has not yet produced the whole stream (11 events).
            assertTrue(gateway.demo().eventsSent() - sentBefore < 11, "stream was buffered, not relayed");
            assertTrue(firstData.contains("\"seq\":0"), firstData);
            int events = 1;
            boolean last = false;
            while (!last) {
                String line = c.line();
                if (line.startsWith("data: ")) {
                    events++;
                    last = line.contains("\"progress\":100");
                }
            }
            assertEquals(11, events);
        }
    }

    @Test
    void artifactRoundTripKeepsEveryByte() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(data);
        String path = "/v1/tasks/tsk_abcdefghij0123456789/artifacts/report.bin";
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("PUT " + path + " HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\nContent-Type: application/octet-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            for (int off = 0; off < data.length; off += 100_000) {
                int n = Math.min(100_000, data.length - off);
                c.send((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                c.send(java.util.Arrays.copyOfRange(data, off, off + n));
                c.send("\r\n");
            }
            c.send("0\r\n\r\n");
            RawHttp.Response stored = c.read();
            assertEquals(201, stored.status(), stored.text());
            assertEquals(data.length, JSON.readTree(stored.body()).get("size").asLong());
            assertEquals(Hashing.sha256(data), JSON.readTree(stored.body()).get("sha256").asText());
            RawHttp.Response back = c.send(get(path)).read();
            assertEquals(200, back.status());
            assertEquals(Hashing.sha256(data), Hashing.sha256(back.body()));
        }
    }

    @Test
    void aSlowClientDoesNotMakeTheGatewayBufferTheResponse() throws Exception {
        int size = 128 * 1024 * 1024;
        String path = "/v1/tasks/tsk_slowslowslowslowslow/artifacts/big.bin";
        String sha;
        try (RawHttp c = new RawHttp(gateway.port())) {
            sha = Hashing.uploadRandom(c, path, size, 11);
        }
        long sentBefore = gateway.demo().artifactBytesSent();
        try (RawHttp slow = new RawHttp(gateway.port(), 64 * 1024)) {
            slow.send(get(path));
            RawHttp.Response head = slow.readHead();
            assertEquals(200, head.status());
            // The client reads nothing. Wait until the upstream can send no more: its sent count stops moving.
            long sent = Hashing.awaitStalled(() -> gateway.demo().artifactBytesSent() - sentBefore);
            assertTrue(sent < size / 2, "upstream pushed " + sent + " of " + size + " bytes into a client that reads nothing");
            long used = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            assertTrue(used < 32L * 1024 * 1024, "gateway holds " + used + " bytes of direct memory");
            // Now read it all: nothing lost.
            InputStream in = slow.input();
            assertEquals(sha, Hashing.sha256(in, size));
        }
    }

    @Test
    void expectContinueIsHonouredAndKeepsTheConnection() throws Exception {
        byte[] data = new byte[70_000];
        new java.util.Random(5).nextBytes(data);
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("PUT /v1/tasks/tsk_abcdefghij0123456789/artifacts/x.bin HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + data.length + "\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            assertEquals(100, c.read().status()); // the body is sent only after this
            c.send(data);
            RawHttp.Response stored = c.read();
            assertEquals(201, stored.status(), stored.text());
            assertEquals(Hashing.sha256(data), JSON.readTree(stored.body()).get("sha256").asText());
            assertEquals(null, stored.header("connection"));
            assertEquals(200, c.send(get("/healthz")).read().status()); // same connection
        }
        try (RawHttp c = new RawHttp(gateway.port())) {
            // Refused before 100 Continue: the client never sends the body, so the connection must close.
            RawHttp.Response r = c.send("POST /v1/nowhere HTTP/1.1\r\nHost: x\r\n"
                    + "X-API-Key: it-key\r\nContent-Length: 10\r\n"
                    + "Expect: 100-continue\r\n\r\n").read();
            assertEquals(404, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aSmallBodyAfterAnEarlyAnswerIsReadAndDroppedKeepingTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response r = c.send(post("/v1/nowhere", "{\"a\":1}")).read();
            assertEquals(404, r.status());
            assertEquals(null, r.header("connection"));
            assertEquals(200, c.send(get("/healthz")).read().status());
        }
    }

    @Test
    void readinessReportsEachUpstream() throws Exception {
        RawHttp.Response r = Hashing.awaitReady(gateway.adminPort());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("ready", body.get("status").asText(), body.toString());
        assertEquals("up", body.get("upstreams").get("trade").asText());
        assertEquals("up", body.get("upstreams").get("task").asText());
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertEquals(200, c.send(get("/readyz")).read().status());
        }
        try (RawHttp admin = new RawHttp(gateway.adminPort())) {
            RawHttp.Response metrics = admin.send(get("/metrics")).read();
            assertEquals(200, metrics.status());
            assertTrue(metrics.text().contains("\nup 1.0\n"), metrics.text());
            assertNotNull(metrics.header("content-type"));
        }
        assertNotEquals(0, gateway.port());
        assertFalse(gateway.demo() == null);
    }
}
