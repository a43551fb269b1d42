package dev.gateway.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.cli.replay.ResponseComparison.Difference;
import dev.gateway.cli.replay.ResponseComparison.Kind;
import dev.gateway.cli.replay.ResponseComparison.Response;
import dev.gateway.core.capture.CaptureRecord;
import dev.gateway.core.diff.DiffRules;
import java.net.ServerSocket;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the report says: differences by route and path, skipped lines, unreachable targets. */
class ReplayReportTest {
    @TempDir
    Path dir;

    /** A changes nothing; B changes odd trades' price and answers /v1/status with 503. */
    private static TestTarget.Reply answer(TestTarget.Seen r, boolean b) {
        if (r.target().startsWith("/v1/status")) {
            return new TestTarget.Reply(b ? 503 : 200, "application/json", "{\"up\":true}", 0);
        }
        int n = Integer.parseInt(r.target().substring("/v1/trades/".length()));
        return TestTarget.Reply.json(b
                ? "{ \"ccy\": \"EUR\", \"price\": " + (n % 2 == 1 ? 11 : 10) + ", \"id\": " + n + " }"
                : "{\"id\":" + n + ",\"price\":10,\"ccy\":\"EUR\"}");
    }

    @Test
    void differencesAreCountedByRouteAndPathAndBadLinesAreSkipped() throws Exception {
        try (TestTarget a = TestTarget.start(r -> answer(r, false)); TestTarget b = TestTarget.start(r -> answer(r, true))) {
            List<CaptureRecord> records = List.of(
                    Captures.get(0, "j:alice", "jwt", "/v1/trades/{tradeId}", "/v1/trades/1"),
                    Captures.get(10, "j:bob", "jwt", "/v1/trades/{tradeId}", "/v1/trades/2"),
                    Captures.get(20, "j:alice", "jwt", "/v1/trades/{tradeId}", "/v1/trades/3"),
                    Captures.get(30, "j:bob", "jwt", "/v1/trades/{tradeId}", "/v1/trades/4"),
                    Captures.get(40, "a:10.0.0.1", "none", "/v1/status", "/v1/status"),
                    Captures.get(50, "a:10.0.0.2", "none", "/v1/status", "/v1/status?verbose=1"));
            Path capture = Captures.write(dir.resolve("c.jsonl"), records, "this is not json", "",
                    "{\"t\":0,\"time\":\"2025-03-14T09:00:00Z\",\"credential\":\"none\",\"requestId\":\"r\","
                            + "\"method\":\"GET\",\"target\":\"/x\",\"status\":200,\"durationMicros\":1}");
            Path report = dir.resolve("report");
            Captures.Run run = Captures.replay("--capture", capture.toString(), "--a", a.url().toString(), "--b",
                    b.url().toString(), "--report", report.toString());
            assertEquals(0, run.status(), "differences do not fail the replay: " + run.err());
            assertTrue(run.err().contains("line 7 skipped: not JSON"), run.err());
            assertTrue(run.err().contains("line 9 skipped: field 'caller': missing"), run.err());
            assertTrue(run.out().contains("2 identical, 4 different, 0 errors"), run.out());

            JsonNode r = Captures.report(report);
            JsonNode totals = r.get("totals");
            assertEquals(6, totals.get("records").intValue());
            assertEquals(2, totals.get("skippedLines").intValue());
            assertEquals(6, totals.get("replayed").intValue());
            assertEquals(2, totals.get("identical").intValue(), "member order and spaces do not count");
            assertEquals(4, totals.get("different").intValue());
            assertEquals(0, totals.get("errors").intValue());
            assertEquals(7, r.get("skippedLines").get(0).get("line").intValue());
            assertEquals(9, r.get("skippedLines").get(1).get("line").intValue());
            assertEquals("field 'caller': missing", r.get("skippedLines").get(1).get("problem").textValue());

            JsonNode trades = r.get("routes").get(1);
            assertEquals("/v1/trades/{tradeId}", trades.get("route").textValue());
            assertEquals(List.of(4, 2, 2, 0), List.of(trades.get("records").intValue(), trades.get("identical").intValue(),
                    trades.get("different").intValue(), trades.get("errors").intValue()));
            assertEquals(2, r.get("routes").get(0).get("different").intValue());

            assertEquals(List.of("body /price 2", "status /status 2"), paths(r.get("differences")));
            JsonNode sample = r.get("samples").get(0);
            assertEquals("/v1/trades/1", sample.get("target").textValue());
            assertEquals("j:alice", sample.get("caller").textValue());
            assertEquals(1, sample.get("differenceCount").intValue());
            assertEquals(Captures.JSON.readTree("[{\"kind\":\"body\",\"op\":\"replace\",\"path\":\"/price\","
                    + "\"value\":11,\"was\":10}]"), sample.get("differences"));
            JsonNode status = r.get("samples").get(2);
            assertEquals("/v1/status", status.get("target").textValue());
            assertEquals(Captures.JSON.readTree("[{\"kind\":\"status\",\"op\":\"replace\",\"path\":\"/status\","
                    + "\"value\":503,\"was\":200}]"), status.get("differences"));
            assertEquals(6, r.get("latency").get("a").get("answered").intValue());

            String md = Files.readString(report.resolve("report.md"));
            assertTrue(md.contains("| different | 4 |"), md);
            assertTrue(md.contains("## Top differing paths"), md);
            assertTrue(md.contains("| body | `` /price `` | 2 |") && md.contains("| status | `` /status `` | 2 |"), md);
            assertTrue(md.contains("  - body `` {\"op\":\"replace\",\"path\":\"/price\",\"value\":11,\"was\":10} ``"), md);
            assertTrue(md.contains("| 7 | not JSON"), md);
        }
    }

    private static List<String> paths(JsonNode differences) {
        return StreamSupport.stream(differences.spliterator(), false)
                .map(d -> d.get("kind").textValue() + " " + d.get("path").textValue() + " " + d.get("count").intValue())
                .toList();
    }

    @Test
    void anUnreachableTargetIsCountedAsErrorsNotACrash() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (TestTarget a = TestTarget.start(r -> TestTarget.Reply.json("{}"))) {
            List<CaptureRecord> records = List.of(Captures.get(0, "j:alice", "jwt", "/x", "/x/1"),
                    Captures.get(1, "j:alice", "jwt", "/x", "/x/2"), Captures.get(2, "j:bob", "jwt", "/x", "/x/3"));
            Path report = dir.resolve("report");
            Captures.Run run = Captures.replay("--capture", Captures.write(dir.resolve("c.jsonl"), records).toString(),
                    "--a", a.url().toString(), "--b", "http://127.0.0.1:" + closed, "--report", report.toString(),
                    "--timeout", "2s");
            assertEquals(0, run.status(), run.err());
            JsonNode r = Captures.report(report);
            assertEquals(3, r.get("totals").get("errors").intValue());
            assertEquals(3, r.get("latency").get("a").get("answered").intValue());
            assertEquals(3, r.get("latency").get("b").get("errors").intValue());
            JsonNode error = r.get("errors").get("b").get(0);
            assertTrue(error.get("error").textValue().startsWith("ConnectException"), error.toString());
            assertEquals(3, error.get("count").intValue());
            assertEquals(3, r.get("errorSamples").size());
            assertTrue(Files.readString(report.resolve("report.md")).contains("| B | ConnectException"));
        }
    }

    /** The comparison is the gateway's diff engine, A the reference and B the candidate. */
    @Test
    void theComparisonReportsTheEnginesOperationsWithValuesAsJsonText() {
        DiffComparison c = new DiffComparison(DiffRules.of(List.of("content-type"), List.of(), Map.of()));
        CaptureRecord request = Captures.get(0, "j:alice", "jwt", "/x", "/x");
        Response json = response(200, "application/json", "{\"a\":1,\"b\":[1,2],\"c\":{\"d\":\"x\"}}");
        assertEquals(List.of(), c.compare(request, json,
                response(200, "application/json", "{ \"c\": {\"d\": \"x\"}, \"b\": [1, 2.0], \"a\": 1 }")));
        assertEquals(List.of(new Difference(Kind.BODY, "replace", "/c/d", "/c/d", "\"x\"", "{\"e\":[true]}"),
                new Difference(Kind.BODY, "add", "/f", "/f", null, "null")),
                c.compare(request, json, response(200, "application/json",
                        "{\"a\":1,\"b\":[1,2],\"c\":{\"d\":{\"e\":[true]}},\"f\":null}")));
        assertEquals(List.of(new Difference(Kind.BODY, "remove", "/b/1", "/b/*", "2", null)),
                c.compare(request, json, response(200, "application/json", "{\"a\":1,\"b\":[1],\"c\":{\"d\":\"x\"}}")));
        assertEquals(List.of(new Difference(Kind.STATUS, "replace", "/status", "/status", "200", "500"),
                new Difference(Kind.HEADER, "replace", "/headers/content-type", "/headers/content-type",
                        "\"application/json\"", "\"text/plain\""),
                new Difference(Kind.BODY, "replace", "", "", "\"{\\\"a\\\":1,\\\"b\\\":[1,2],\\\"c\\\":{\\\"d\\\":\\\"x\\\"}}\"",
                        "\"oops\"")),
                c.compare(request, json, response(500, "text/plain", "oops")));
        // not JSON: bytes decide
        assertEquals(1, c.compare(request, response(200, "text/plain", "a b"), response(200, "text/plain", "a  b")).size());
        assertEquals(List.of(), c.compare(request, response(204, "", ""), response(204, "", "")));
        assertEquals(List.of(new Difference(Kind.HEADER, "remove", "/headers/content-type", "/headers/content-type",
                "\"text/plain\"", null)), c.compare(request, response(204, "text/plain", ""), response(204, "", "")));
    }

    private static Response response(int status, String type, String body) {
        return new Response(status, HttpHeaders.of(type.isEmpty() ? Map.of() : Map.of("content-type", List.of(type)),
                (k, v) -> true), body.getBytes(StandardCharsets.UTF_8));
    }
}
