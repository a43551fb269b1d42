package dev.gateway.cli.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.capture.CaptureRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Capture files for the replay tests, and running the replay in process. */
final class Captures {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant EPOCH = Instant.parse("2025-03-14T09:00:00Z");

    private Captures() {
    }

    /** A GET with no body. */
    static CaptureRecord get(long millis, String caller, String credential, String route, String target) {
        return record(millis, caller, credential, route, "GET", target, "");
    }

    static CaptureRecord record(long millis, String caller, String credential, String route, String method,
            String target, String body) {
        return new CaptureRecord(millis * 1_000_000, EPOCH.plusMillis(millis).toString(), caller, credential,
                "req-" + millis + "-" + caller, route, method, target,
                List.of(Map.entry("accept", "application/json"), Map.entry("x-client", "replay-test")),
                body.getBytes(StandardCharsets.UTF_8), false, 200, 1_000);
    }

    /** Writes the records as a capture, one line each, and any extra raw lines after them. */
    static Path write(Path file, List<CaptureRecord> records, String... rawLines) throws IOException {
        List<String> lines = new ArrayList<>();
        for (CaptureRecord r : records) {
            lines.add(JSON.writeValueAsString(r.toJson()));
        }
        lines.addAll(List.of(rawLines));
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    /** A replay's exit status and what it printed. */
    record Run(int status, String out, String err) {
    }

    static Run replay(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ReplayCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static JsonNode report(Path dir) throws IOException {
        return JSON.readTree(dir.resolve("report.json").toFile());
    }
}
