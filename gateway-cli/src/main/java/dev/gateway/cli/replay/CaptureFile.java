package dev.gateway.cli.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.capture.CaptureRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A capture read whole: its records in the order of their {@code t} (file order among equals), and the
 * lines that could not be read, each with its number and problem. Blank lines are not records and not
 * problems. The capture is held in memory: its bodies are capped when written, so it is about the size of
 * the file.
 */
record CaptureFile(List<Line> records, List<Skipped> skipped) {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** A record and the line it came from (1 is the first). */
    record Line(int number, CaptureRecord record) {
    }

    /** A line that is not a record, and why. */
    record Skipped(int number, String problem) {
    }

    static CaptureFile read(Path file) throws IOException {
        List<Line> records = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        // Undecodable bytes become U+FFFD rather than stopping the read: the line then fails on its own.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8))) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    records.add(new Line(number, CaptureRecord.fromJson(JSON.readTree(line))));
                } catch (JsonProcessingException e) {
                    skipped.add(new Skipped(number, "not JSON: " + e.getOriginalMessage()));
                } catch (IllegalArgumentException e) {
                    skipped.add(new Skipped(number, e.getMessage()));
                }
            }
        }
        records.sort(Comparator.comparingLong((Line l) -> l.record().t()).thenComparingInt(Line::number));
        return new CaptureFile(List.copyOf(records), List.copyOf(skipped));
    }

    /** Nanoseconds from the first record's {@code t} to the last's; 0 for fewer than two. */
    long spanNanos() {
        return records.size() < 2 ? 0 : records.get(records.size() - 1).record().t() - records.get(0).record().t();
    }
}
