package dev.gateway.core.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesJournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static ObjectNode line(int n) {
        return JsonNodeFactory.instance.objectNode().put("n", n).put("pad", "x".repeat(20)).put("nl", "a\nb");
    }

    /** Every line of a file, parsed: fails if one is not a whole JSON object. */
    private static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.isEmpty() || text.endsWith("\n"), "ends with a whole line");
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) {
                JsonNode node = JSON.readTree(line);
                assertTrue(node.isObject(), line);
                lines.add(node);
            }
        }
        return lines;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 10 s: " + what);
            Thread.onSpinWait();
        }
    }

    @Test
    void closeWritesEverythingQueuedAsOneLineEach() throws Exception {
        Path file = dir.resolve("diffs.jsonl");
        JsonLinesJournal journal = new JsonLinesJournal(file, 1 << 20, 3, 1_000);
        for (int i = 0; i < 500; i++) {
            assertTrue(journal.offer(line(i)));
        }
        journal.close();
        List<JsonNode> lines = read(file);
        assertEquals(500, lines.size());
        for (int i = 0; i < 500; i++) {
            assertEquals(i, lines.get(i).path("n").asInt());
            assertEquals("a\nb", lines.get(i).path("nl").asText(), "a newline in a value stays inside its line");
        }
        assertEquals(500, journal.written());
        assertEquals(0, journal.dropped());
        assertFalse(Files.exists(dir.resolve("diffs.jsonl.1")));

        journal.close(); // idempotent
        assertFalse(journal.offer(line(1)), "closed");
        assertEquals(1, journal.dropped());
    }

    @Test
    void rotationKeepsAtMostFilesFilesOfAtMostMaxBytesAndNeverSplitsALine() throws Exception {
        Path file = dir.resolve("diffs.jsonl");
        int lineBytes = line(10).toString().length() + 1; // 50 bytes for two-digit numbers
        long maxBytes = 4L * lineBytes + 10; // four lines fit, a fifth does not
        JsonLinesJournal journal = new JsonLinesJournal(file, maxBytes, 3, 1_000);
        for (int i = 10; i < 100; i++) {
            assertTrue(journal.offer(line(i)));
        }
        journal.close();

        assertEquals(90, journal.written());
        assertFalse(Files.exists(dir.resolve("diffs.jsonl.3")), "files - 1 rotated files at most");
        try (var listing = Files.list(dir)) {
            assertEquals(3, listing.count());
        }
        List<JsonNode> kept = new ArrayList<>();
        for (String name : List.of("diffs.jsonl.2", "diffs.jsonl.1", "diffs.jsonl")) {
            Path part = dir.resolve(name);
            assertTrue(Files.size(part) <= maxBytes, name + " is " + Files.size(part) + " bytes");
            kept.addAll(read(part));
        }
        // the newest lines, in order: 90 lines at 4 a file leave 2 in the active file, 4 in each rotated one
        List<Integer> numbers = kept.stream().map(node -> node.path("n").asInt()).toList();
        assertEquals(99, numbers.get(numbers.size() - 1));
        for (int i = 1; i < numbers.size(); i++) {
            assertEquals(numbers.get(i - 1) + 1, numbers.get(i), "contiguous: " + numbers);
        }
        assertEquals(2 * 4 + 90 % 4, numbers.size(), numbers.toString());
    }

    @Test
    void oneFileIsStartedAfreshWhenFull() throws Exception {
        Path file = dir.resolve("one.jsonl");
        int lineBytes = line(10).toString().length() + 1;
        JsonLinesJournal journal = new JsonLinesJournal(file, 3L * lineBytes, 1, 100);
        for (int i = 10; i < 20; i++) {
            journal.offer(line(i));
        }
        journal.close();
        // 10-12, 13-15, 16-18 each filled the file; 19 started it afresh
        assertEquals(List.of(19), read(file).stream().map(node -> node.path("n").asInt()).toList());
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count());
        }
    }

    @Test
    void aLineLongerThanAFileIsDroppedAndCounted() throws Exception {
        Path file = dir.resolve("diffs.jsonl");
        JsonLinesJournal journal = new JsonLinesJournal(file, 100, 2, 100);
        journal.offer(line(1));
        journal.offer(JsonNodeFactory.instance.objectNode().put("big", "y".repeat(200)));
        journal.offer(line(2));
        journal.close();
        assertEquals(2, journal.written());
        assertEquals(1, journal.dropped());
        assertEquals(List.of(1, 2), read(file).stream().map(node -> node.path("n").asInt()).toList());
    }

    @Test
    void aFullQueueDropsAndCountsWithoutWaiting() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Path file = dir.resolve("diffs.jsonl");
        JsonLinesJournal journal = new JsonLinesJournal(file, 1 << 20, 2, 5, () -> {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(journal.offer(line(0)));
        assertTrue(writing.await(10, TimeUnit.SECONDS), "the writer took the first line and is held");
        for (int i = 1; i <= 5; i++) {
            assertTrue(journal.offer(line(i)), "room for " + i);
        }
        for (int i = 6; i < 10; i++) {
            assertFalse(journal.offer(line(i)), "full at " + i);
        }
        assertEquals(4, journal.dropped());
        release.countDown();
        journal.close();
        assertEquals(6, journal.written());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), read(file).stream().map(node -> node.path("n").asInt()).toList());
    }

    @Test
    void recentLinesComeNewestFirst() throws Exception {
        JsonLinesJournal journal = new JsonLinesJournal(dir.resolve("diffs.jsonl"), 1 << 20, 2, 1_000);
        for (int i = 0; i < JsonLinesJournal.RECENT_LINES + 20; i++) {
            journal.offer(line(i));
        }
        int last = JsonLinesJournal.RECENT_LINES + 19;
        await(() -> journal.written() == last + 1, "every line written");
        assertEquals(List.of(last, last - 1, last - 2),
                journal.recent(3).stream().map(node -> node.path("n").asInt()).toList());
        List<ObjectNode> all = journal.recent(Integer.MAX_VALUE);
        assertEquals(JsonLinesJournal.RECENT_LINES, all.size());
        assertEquals(20, all.get(all.size() - 1).path("n").asInt());
        all.get(0).put("n", -1);
        assertEquals(last, journal.recent(1).get(0).path("n").asInt(), "copies are handed out");
        assertEquals(List.of(), journal.recent(0));
        assertThrows(IllegalArgumentException.class, () -> journal.recent(-1));
        journal.close();
    }

    @Test
    void anExistingFileIsAppendedTo() throws Exception {
        Path file = dir.resolve("diffs.jsonl");
        Files.writeString(file, "{\"n\":-1}\n");
        JsonLinesJournal journal = new JsonLinesJournal(file, 1 << 20, 2, 10);
        journal.offer(line(0));
        journal.close();
        assertEquals(List.of(-1, 0), read(file).stream().map(node -> node.path("n").asInt()).toList());
    }

    @Test
    void ioErrorsAreCountedAndNeverThrown() throws Exception {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "a file where the journal's directory should be");
        JsonLinesJournal journal = new JsonLinesJournal(blocker.resolve("diffs.jsonl"), 1 << 20, 2, 10);
        assertTrue(journal.offer(line(1)));
        assertTrue(journal.offer(line(2)));
        journal.close();
        assertEquals(0, journal.written());
        assertEquals(2, journal.dropped());
        assertEquals(2, journal.errors());
    }

    @Test
    void boundsAreChecked() {
        Path file = dir.resolve("x.jsonl");
        assertThrows(IllegalArgumentException.class, () -> new JsonLinesJournal(file, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new JsonLinesJournal(file, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new JsonLinesJournal(file, 1, 1, 0));
    }
}
