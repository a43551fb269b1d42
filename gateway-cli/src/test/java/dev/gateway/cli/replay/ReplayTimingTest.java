package dev.gateway.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.core.capture.CaptureRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay keeps the capture's pace, divided by the speed. */
class ReplayTimingTest {
    @TempDir
    Path dir;

    /**
     * 41 records 100 ms apart (a span of 4 s) from four callers, replayed at speed 2: the run takes 2 s,
     * within 5 %, measured around the whole command (reading, replay, report), after a warm-up replay
     * in the same JVM so that class loading is not what is measured.
     */
    @Test
    void aReplayAtSpeedTwoTakesHalfTheCapturesSpan() throws Exception {
        try (TestTarget a = TestTarget.start(r -> TestTarget.Reply.json("{\"ok\":true}"));
                TestTarget b = TestTarget.start(r -> TestTarget.Reply.json("{\"ok\":true}"))) {
            List<CaptureRecord> warm = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                warm.add(Captures.get(i, "j:warm-" + (i % 2), "jwt", "/warm", "/warm/" + i));
            }
            Captures.Run w = Captures.replay("--capture", Captures.write(dir.resolve("warm.jsonl"), warm).toString(),
                    "--a", a.url().toString(), "--b", b.url().toString(), "--report", dir.resolve("warm").toString());
            assertEquals(0, w.status(), w.err());
            int warmRequests = a.seen().size();

            List<CaptureRecord> records = new ArrayList<>();
            for (int i = 0; i <= 40; i++) {
                records.add(Captures.get(i * 100L, "k:desk-" + (i % 4), "apikey", "/v1/trades/{tradeId}",
                        "/v1/trades/trd_" + i));
            }
            Path capture = Captures.write(dir.resolve("capture.jsonl"), records);
            Path report = dir.resolve("report");
            long start = System.nanoTime();
            Captures.Run run = Captures.replay("--capture", capture.toString(), "--a", a.url().toString(), "--b",
                    b.url().toString(), "--speed", "2", "--report", report.toString());
            double wall = (System.nanoTime() - start) / 1e9;
            assertEquals(0, run.status(), run.err());
            assertTrue(wall >= 1.9 && wall <= 2.1, "the replay took " + wall + " s, not 2 s within 5 %");

            // the targets saw the same pace: the first request to the last, 2 s
            List<TestTarget.Seen> seen = a.seen().subList(warmRequests, a.seen().size());
            assertEquals(41, seen.size());
            double span = (seen.get(40).start() - seen.get(0).start()) / 1e9;
            assertTrue(span >= 1.9 && span <= 2.1, "requests spanned " + span + " s");
            System.out.printf("speed 2: a capture spanning 4.0 s replayed in %.3f s (first to last request %.3f s)%n",
                    wall, span);

            JsonNode json = Captures.report(report);
            assertEquals(4.0, json.get("captureSpanSeconds").doubleValue(), 1e-9);
            assertEquals(2.0, json.get("scheduledSpanSeconds").doubleValue(), 1e-9);
            double duration = json.get("durationSeconds").doubleValue();
            assertTrue(duration >= 2.0 && duration <= 2.1, "report: " + duration + " s");
            assertEquals(41, json.get("totals").get("identical").intValue());
            assertEquals(0, json.get("lateness").get("waitedForCaller").intValue());
            assertTrue(json.get("lateness").get("p99Ms").doubleValue() < 50, json.get("lateness").toString());
        }
    }
}
