package dev.gateway.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.core.capture.CaptureRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay compares answers with the gateway's diff engine under the {@code --header}, {@code --ignore}
 * and {@code --array} rules, and reports RFC 6902 operations at RFC 6901 pointers; real targets on loopback.
 */
class ReplayDiffTest {
    @TempDir
    Path dir;

    private static final String ORDER = "{\"id\":\"o-1\",\"price\":10,\"meta\":{\"traceId\":\"%s\",\"page\":1},"
            + "\"items\":[{\"id\":\"a\",\"qty\":1},{\"id\":\"b\",\"qty\":2}]}";

    /** Three records of two callers, all GETs of one order. */
    private List<CaptureRecord> records() {
        List<CaptureRecord> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(Captures.get(i * 5L, "j:user" + i % 2, "jwt", "/v1/orders/{orderId}", "/v1/orders/o-1?n=" + i));
        }
        return records;
    }

    /** Replays {@link #records()} against A and B answering as told; the report.json, after exit status 0. */
    private JsonNode replay(String name, Function<TestTarget.Seen, TestTarget.Reply> a,
            Function<TestTarget.Seen, TestTarget.Reply> b, String... rules) throws IOException {
        try (TestTarget ta = TestTarget.start(a); TestTarget tb = TestTarget.start(b)) {
            List<String> args = new ArrayList<>(List.of("--capture",
                    Captures.write(dir.resolve(name + ".jsonl"), records()).toString(), "--a", ta.url().toString(),
                    "--b", tb.url().toString(), "--report", dir.resolve(name).toString()));
            args.addAll(List.of(rules));
            Captures.Run run = Captures.replay(args.toArray(String[]::new));
            assertEquals(0, run.status(), run.err());
            assertEquals(3, tb.seen().size());
            return Captures.report(dir.resolve(name));
        }
    }

    private static TestTarget.Reply json(String body) {
        return TestTarget.Reply.json(body);
    }

    private static List<String> paths(JsonNode report) {
        return StreamSupport.stream(report.get("differences").spliterator(), false)
                .map(d -> d.get("kind").textValue() + " " + d.get("path").textValue() + " " + d.get("count").intValue())
                .toList();
    }

    private static JsonNode tree(String json) throws IOException {
        return Captures.JSON.readTree(json);
    }

    @Test
    void aFieldChangedByBIsReportedAtItsPointerAsAReplaceWithBothValues() throws Exception {
        String same = ORDER.formatted("t");
        JsonNode r = replay("changed", s -> json(same), s -> json(same.replace("\"price\":10", "\"price\":12.50")
                .replace("\"qty\":2", "\"qty\":3")));

        assertEquals(3, r.get("totals").get("different").intValue(), r.toString());
        assertEquals(List.of("body /items/*/qty 3", "body /price 3"), paths(r));
        JsonNode sample = r.get("samples").get(0);
        assertEquals("/v1/orders/o-1?n=0", sample.get("target").textValue());
        assertEquals(tree("[{\"kind\":\"body\",\"op\":\"replace\",\"path\":\"/price\",\"value\":12.5,\"was\":10},"
                + "{\"kind\":\"body\",\"op\":\"replace\",\"path\":\"/items/1/qty\",\"value\":3,\"was\":2}]"),
                sample.get("differences"));
        JsonNode settings = r.get("settings");
        assertEquals(tree("[\"content-type\"]"), settings.get("headers"));
        assertEquals(tree("[]"), settings.get("ignore"));
        assertEquals(tree("{}"), settings.get("arrays"));

        String md = Files.readString(dir.resolve("changed").resolve("report.md"));
        assertTrue(md.contains("| body | `` /items/*/qty `` | 3 |"), md);
        assertTrue(md.contains("  - body `` {\"op\":\"replace\",\"path\":\"/price\",\"value\":12.5,\"was\":10} ``"), md);
    }

    @Test
    void anIgnoreRuleSilencesAKnownDifference() throws Exception {
        Function<TestTarget.Seen, TestTarget.Reply> a = s -> json(ORDER.formatted("trace-a-" + s.target()));
        Function<TestTarget.Seen, TestTarget.Reply> b = s -> json(ORDER.formatted("trace-b-" + s.target()));

        JsonNode without = replay("noisy", a, b);
        assertEquals(3, without.get("totals").get("different").intValue());
        assertEquals(List.of("body /meta/traceId 3"), paths(without));

        JsonNode with = replay("quiet", a, b, "--ignore", "/**/traceId");
        assertEquals(3, with.get("totals").get("identical").intValue(), with.get("differences").toString());
        assertEquals(List.of(), paths(with));
        assertEquals(tree("[\"/**/traceId\"]"), with.get("settings").get("ignore"));
    }

    @Test
    void keyedArraysMakeReorderedItemsEqualAndStillCompareTheirMembers() throws Exception {
        String ordered = ORDER.formatted("t");
        String reordered = "{\"id\":\"o-1\",\"price\":10,\"meta\":{\"traceId\":\"t\",\"page\":1},"
                + "\"items\":[{\"qty\":2,\"id\":\"b\"},{\"id\":\"a\",\"qty\":1}]}";

        JsonNode byPosition = replay("positions", s -> json(ordered), s -> json(reordered));
        assertEquals(3, byPosition.get("totals").get("different").intValue(), "in order, the items differ");

        JsonNode byKey = replay("keyed", s -> json(ordered), s -> json(reordered), "--array", "/items=key:id");
        assertEquals(3, byKey.get("totals").get("identical").intValue(), byKey.get("differences").toString());
        assertEquals(tree("{\"/items\":\"key:id\"}"), byKey.get("settings").get("arrays"));

        // paired by id, item b's qty still counts: at b's place among the items sorted by key
        JsonNode changed = replay("keyed-changed", s -> json(ordered), s -> json(reordered.replace("\"qty\":2", "\"qty\":7")),
                "--array", "/items=key:id");
        assertEquals(tree("[{\"kind\":\"body\",\"op\":\"replace\",\"path\":\"/items/1/qty\",\"value\":7,\"was\":2}]"),
                changed.get("samples").get(0).get("differences"));
    }

    @Test
    void headersAreComparedAsNamedAndAnAddedOneIsAnAdd() throws Exception {
        String body = ORDER.formatted("t");
        Function<TestTarget.Seen, TestTarget.Reply> a = s -> json(body);
        Function<TestTarget.Seen, TestTarget.Reply> b = s -> new TestTarget.Reply(200, "application/json", body, 0,
                Map.of("ETag", "\"v2\""));

        assertEquals(3, replay("default-headers", a, b).get("totals").get("identical").intValue(),
                "by default only content-type is compared");
        JsonNode r = replay("etag", a, b, "--header", "ETag", "--header", "content-type");
        assertEquals(List.of("header /headers/etag 3"), paths(r));
        assertEquals(tree("[{\"kind\":\"header\",\"op\":\"add\",\"path\":\"/headers/etag\",\"value\":\"\\\"v2\\\"\"}]"),
                r.get("samples").get(0).get("differences"));
        assertEquals(tree("[\"etag\",\"content-type\"]"), r.get("settings").get("headers"));
    }

    @Test
    void aBadArrayRuleExitsTwoBeforeAnythingIsSent() throws Exception {
        try (TestTarget a = TestTarget.start(s -> json("{}")); TestTarget b = TestTarget.start(s -> json("{}"))) {
            Path report = dir.resolve("bad");
            Captures.Run run = Captures.replay("--capture", Captures.write(dir.resolve("c.jsonl"), records()).toString(),
                    "--a", a.url().toString(), "--b", b.url().toString(), "--report", report.toString(),
                    "--array", "/items=bag");
            assertEquals(2, run.status(), run.err());
            assertTrue(run.err().startsWith("replay: --array '/items=bag': mode 'bag': unknown array mode; use "
                    + "ordered, set or key:FIELD\n"), run.err());
            assertTrue(run.err().contains("usage: java -jar gateway.jar replay"), run.err());
            assertEquals("", run.out());
            assertEquals(List.of(), a.seen());
            assertEquals(List.of(), b.seen());
            assertTrue(Files.notExists(report), "no report for a replay that did not run");
        }
    }
}
