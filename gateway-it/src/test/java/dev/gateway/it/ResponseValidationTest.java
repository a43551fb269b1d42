package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream responses checked against the contract: {@code enforce} on the trade routes (a mismatch
 * becomes 502, a match passes byte for byte), {@code log} on the task routes (a mismatch passes and is
 * counted on {@code /metrics}).
 */
class ResponseValidationTest {
    static final String TRADE = "{\"tradeId\":\"trd_abcdefghij0123456789\",\"clientOrderId\":\"o-1\","
            + "\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\","
            + "\"quantity\":100,\"filledQuantity\":0,\"limitPrice\":null,\"status\":\"NEW\","
            + "\"createdAt\":\"2026-11-24T10:00:00Z\"}";
    static TestUpstream upstream;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        gateway = TestGateway.startWith(upstream, "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, responseValidation: enforce}\n"
                + "  - {prefix: /v1/tasks, upstream: task, responseValidation: log}\n");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    private static RawHttp.Response get(String path) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            return c.send("GET " + path + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n").read();
        }
    }

    private static FullHttpResponse raw(HttpResponseStatus status, String contentType, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set("content-type", contentType).setInt("content-length", r.content().readableBytes());
        return r;
    }

    @Test
    void enforceForwardsAMatchingResponseUnchanged() throws Exception {
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "  " + TRADE + "\n");
        RawHttp.Response r = get("/v1/trades/trd_abcdefghij0123456789");
        assertEquals(200, r.status());
        assertEquals("  " + TRADE + "\n", r.text());
    }

    @Test
    void enforceTurnsAMismatchInto502() throws Exception {
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK,
                TRADE.replace("\"status\":\"NEW\"", "\"status\":\"LOST\""));
        RawHttp.Response r = get("/v1/trades/trd_abcdefghij0123456789");
        assertEquals(502, r.status());
        assertTrue(r.text().contains("\"code\":\"BAD_GATEWAY\"") && r.text().contains("does not match the contract"),
                r.text());
        // The connection that carried the bad answer is still sound, and the next answer is fine.
        upstream.responder = x -> TestUpstream.json(HttpResponseStatus.OK, TRADE);
        assertEquals(200, get("/v1/trades/trd_abcdefghij0123456789").status());
    }

    @Test
    void enforceChecksErrorBodiesToo() throws Exception {
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.NOT_FOUND,
                "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no such trade\",\"requestId\":\"r1\"}}");
        assertEquals(404, get("/v1/trades/trd_abcdefghij0123456789").status());
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.NOT_FOUND, "{\"oops\":true}");
        assertEquals(502, get("/v1/trades/trd_abcdefghij0123456789").status());
    }

    @Test
    void nonJsonAndMalformedResponses() throws Exception {
        upstream.responder = r -> raw(HttpResponseStatus.OK, "text/plain", "not json at all");
        RawHttp.Response plain = get("/v1/trades/trd_abcdefghij0123456789");
        assertEquals(200, plain.status()); // not JSON: nothing to check against
        assertEquals("not json at all", plain.text());
        upstream.responder = r -> raw(HttpResponseStatus.OK, "application/json", "{\"tradeId\":");
        assertEquals(502, get("/v1/trades/trd_abcdefghij0123456789").status());
    }

    @Test
    void enforceLetsABodyTooLargeToHoldStreamOnUnchecked() throws Exception {
        // 2 MiB of JSON is over the 1 MiB the gateway holds: what was held goes out, the rest streams.
        String big = TRADE.replace("\"clientOrderId\":\"o-1\"", "\"clientOrderId\":\"" + "x".repeat(2 << 20) + "\"");
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, big);
        RawHttp.Response r = get("/v1/trades/trd_abcdefghij0123456789");
        assertEquals(200, r.status());
        assertEquals(big, r.text());
    }

    @Test
    void logModePassesAMismatchAndCountsIt() throws Exception {
        String badTask = "{\"taskId\":\"tsk_abcdefghij0123456789\",\"type\":\"REBALANCE\"}"; // required fields missing
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, badTask);
        double before = invalidTaskResponses();
        RawHttp.Response r = get("/v1/tasks/tsk_abcdefghij0123456789");
        assertEquals(200, r.status());
        assertEquals(badTask, r.text());
        assertEquals(before + 1, invalidTaskResponses());
    }

    private static double invalidTaskResponses() throws Exception {
        try (RawHttp c = new RawHttp(gateway.adminPort())) {
            String metrics = c.send("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n").read().text();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("gateway_response_validation_total{operation=\"getTask\",outcome=\"invalid\",}")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return 0;
        }
    }
}
