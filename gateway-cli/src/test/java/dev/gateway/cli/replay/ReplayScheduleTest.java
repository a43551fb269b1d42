package dev.gateway.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.core.capture.CaptureRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each caller's order, and the concurrency and rate bounds, seen from the targets. */
class ReplayScheduleTest {
    @TempDir
    Path dir;

    /** {@code /order/CALLER/K}: the caller and its record's place. */
    private static String caller(TestTarget.Seen s) {
        return s.target().split("/")[2];
    }

    /** {@code j:userN}: N. */
    private static int user(TestTarget.Seen s) {
        return caller(s).charAt(6) - '0';
    }

    private static int place(TestTarget.Seen s) {
        return Integer.parseInt(s.target().split("/")[3]);
    }

    /**
     * Five callers, eight records each, 8 ms apart, interleaved; each target takes 0 to 40 ms over a request,
     * differently for A and B. A caller's next request reaches neither target before its previous one
     * ended on both; different callers' requests overlap.
     */
    @Test
    void eachCallersOrderIsKeptWhileCallersRunConcurrently() throws Exception {
        try (TestTarget a = TestTarget.start(r -> new TestTarget.Reply(200, "application/json", "{}",
                (place(r) * 7L + user(r) * 3L) % 5 * 10));
                TestTarget b = TestTarget.start(r -> new TestTarget.Reply(200, "application/json", "{}",
                        (place(r) * 3L + user(r)) % 4 * 10))) {
            List<CaptureRecord> records = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                for (int c = 0; c < 5; c++) {
                    String caller = "j:user" + c;
                    records.add(Captures.get(k * 8L + c, caller, "jwt", "/order", "/order/" + caller + "/" + k));
                }
            }
            Path report = dir.resolve("report");
            Captures.Run run = Captures.replay("--capture", Captures.write(dir.resolve("c.jsonl"), records).toString(),
                    "--a", a.url().toString(), "--b", b.url().toString(), "--report", report.toString());
            assertEquals(0, run.status(), run.err());

            Map<String, List<TestTarget.Seen>> onA = a.seen().stream().collect(Collectors.groupingBy(
                    ReplayScheduleTest::caller));
            Map<String, List<TestTarget.Seen>> onB = b.seen().stream().collect(Collectors.groupingBy(
                    ReplayScheduleTest::caller));
            assertEquals(5, onA.size());
            for (String caller : onA.keySet()) {
                List<TestTarget.Seen> sa = onA.get(caller);
                List<TestTarget.Seen> sb = onB.get(caller);
                assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), sa.stream().map(ReplayScheduleTest::place).toList(), caller);
                assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), sb.stream().map(ReplayScheduleTest::place).toList(), caller);
                for (int k = 1; k < 8; k++) {
                    long previousEnded = Math.max(sa.get(k - 1).end(), sb.get(k - 1).end());
                    long nextBegan = Math.min(sa.get(k).start(), sb.get(k).start());
                    assertTrue(nextBegan > previousEnded, caller + " record " + k + " began before record " + (k - 1)
                            + " ended on both targets");
                }
            }
            assertTrue(overlapping(a.seen()), "different callers' requests ran at the same time");
            JsonNode json = Captures.report(report);
            assertEquals(40, json.get("totals").get("identical").intValue());
            assertTrue(json.get("lateness").get("waitedForCaller").intValue() > 0, json.get("lateness").toString());
        }
    }

    private static boolean overlapping(List<TestTarget.Seen> seen) {
        for (TestTarget.Seen x : seen) {
            for (TestTarget.Seen y : seen) {
                if (!caller(x).equals(caller(y)) && x.start() < y.end() && y.start() < x.end()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** 24 callers' records due at once, each taking 60 ms: never more than 4 in flight, and 4 reached. */
    @Test
    void noMoreThanTheConcurrencyAreInFlight() throws Exception {
        try (TestTarget a = TestTarget.start(r -> new TestTarget.Reply(200, "text/plain", "x", 60));
                TestTarget b = TestTarget.start(r -> new TestTarget.Reply(200, "text/plain", "x", 60))) {
            List<CaptureRecord> records = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                records.add(Captures.get(0, "k:desk-" + i, "apikey", "/c", "/c/" + i));
            }
            long start = System.nanoTime();
            Captures.Run run = Captures.replay("--capture", Captures.write(dir.resolve("c.jsonl"), records).toString(),
                    "--a", a.url().toString(), "--b", b.url().toString(), "--concurrency", "4", "--report",
                    dir.resolve("report").toString());
            double wall = (System.nanoTime() - start) / 1e9;
            assertEquals(0, run.status(), run.err());
            assertEquals(24, a.seen().size());
            assertEquals(4, a.maxInFlight());
            assertEquals(4, b.maxInFlight());
            assertTrue(wall >= 6 * 0.060, "six rounds of 60 ms: " + wall + " s");
        }
    }

    /**
     * 30 records due at once at 20 per second (a burst of 2): the last can start no sooner than 28 / 20 s
     * after the first two, which the replay's own clock shows. At the targets, any stretch of time T holds
     * at most 2 + 20 T requests, plus one at the edge and two for the way there (100 ms: a loaded machine's
     * connection setup and thread scheduling).
     */
    @Test
    void noMoreThanTheRateAreStarted() throws Exception {
        try (TestTarget a = TestTarget.start(r -> TestTarget.Reply.json("{}"));
                TestTarget b = TestTarget.start(r -> TestTarget.Reply.json("{}"))) {
            List<CaptureRecord> records = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                records.add(Captures.get(0, "a:10.0.0." + i, "none", "/r", "/r/" + i));
            }
            Path report = dir.resolve("report");
            Captures.Run run = Captures.replay("--capture", Captures.write(dir.resolve("c.jsonl"), records).toString(),
                    "--a", a.url().toString(), "--b", b.url().toString(), "--rate", "20/s", "--report",
                    report.toString());
            assertEquals(0, run.status(), run.err());
            double duration = Captures.report(report).get("durationSeconds").doubleValue();
            assertTrue(duration >= 28 / 20.0 - 0.001, "30 records in " + duration + " s");
            for (TestTarget target : List.of(a, b)) {
                List<TestTarget.Seen> seen = target.seen();
                assertEquals(30, seen.size());
                for (int i = 0; i < seen.size(); i++) {
                    for (int j = i + 1; j < seen.size(); j++) {
                        double t = (seen.get(j).start() - seen.get(i).start()) / 1e9;
                        assertTrue(j - i + 1 <= 3 + 20 * (t + 0.100), (j - i + 1) + " requests in " + t + " s");
                    }
                }
            }
        }
    }
}
