package dev.gateway.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subcommand's arguments, help and exit statuses, in process and through {@code Main} in a JVM of its own. */
class ReplayCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpPrintsTheUsageAndExitsZero() {
        for (String flag : List.of("--help", "-h")) {
            Captures.Run run = Captures.replay("--capture", "x.jsonl", flag);
            assertEquals(0, run.status());
            assertTrue(run.out().startsWith("usage: java -jar gateway.jar replay --capture FILE --a URL --b URL"),
                    run.out());
            for (String rule : List.of("--header NAME", "--ignore PATTERN", "--array PATTERN=MODE")) {
                assertTrue(run.out().contains("\n  " + rule + " "), rule + " explained:\n" + run.out());
            }
            assertEquals("", run.err());
        }
    }

    @Test
    void badArgumentsExitTwoWithTheProblemAndTheUsage() {
        String[][] cases = {
            {},
            {"--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1"},
            {"--capture"},
            {"--capture", "c.jsonl", "--a", "ftp://127.0.0.1", "--b", "http://127.0.0.1:2"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1?x=1", "--b", "http://127.0.0.1:2"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--speed", "0"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--rate", "fast"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--concurrency", "0"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--timeout", "10 parsecs"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--bogus"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--header", "x api key"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--ignore", "traceId"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--ignore", "/a/~2"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--array", "/items"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--array", "items=set"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--array", "/items=key:"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--array", "/items=set",
                "--array", "/items=ordered"},
            {"--capture", "c.jsonl", "--a", "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--array"},
        };
        String[] problems = {
            "--capture FILE is required",
            "--capture FILE is required",
            "both --a URL and --b URL are required",
            "--capture needs a value",
            "--a: expected an http or https URL",
            "--a: a base URL takes no query or fragment",
            "--speed: must be more than 0, got '0'",
            "--rate: not a number: 'fast'",
            "--concurrency: expected a whole number of at least 1, got '0'",
            "--timeout: expected a duration",
            "unknown argument '--bogus'",
            "--header 'x api key': a header name is a non-empty token (RFC 9110 §5.1)",
            "--ignore 'traceId': a pattern is a JSON pointer and starts with '/'",
            "--ignore '/a/~2': '~' must be followed by 0 or 1 (RFC 6901)",
            "--array '/items': expected PATTERN=MODE, such as /items=key:id, where MODE is ordered, set or key:FIELD",
            "--array 'items=set': pattern 'items': a pattern is a JSON pointer and starts with '/'",
            "--array '/items=key:': mode 'key:': 'key:' needs a member name, as in key:id",
            "--array '/items=ordered': the pattern '/items' already has a mode ('set')",
            "--array needs a value",
        };
        for (int i = 0; i < cases.length; i++) {
            Captures.Run run = Captures.replay(cases[i]);
            assertEquals(2, run.status(), String.join(" ", cases[i]));
            assertTrue(run.err().startsWith("replay: " + problems[i]), run.err());
            assertTrue(run.err().contains("usage: java -jar gateway.jar replay"), run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void aCaptureThatCannotBeReadExitsOne() {
        Captures.Run run = Captures.replay("--capture", dir.resolve("missing.jsonl").toString(), "--a",
                "http://127.0.0.1:1", "--b", "http://127.0.0.1:2", "--report", dir.resolve("r").toString());
        assertEquals(1, run.status());
        assertTrue(run.err().startsWith("replay: cannot read the capture "), run.err());
    }

    @Test
    void theJarDispatchesReplayWithItsOwnExitStatuses() throws Exception {
        Process help = main("replay", "--help");
        assertEquals(0, help.exitValue());
        String helpText = output(help);
        assertTrue(helpText.startsWith("usage: java -jar gateway.jar replay"), helpText);
        Process bad = main("replay", "--speed", "fast");
        assertEquals(2, bad.exitValue());
        assertTrue(new String(bad.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
                .startsWith("replay: --speed: not a number: 'fast'"));
        Process usage = main("--help");
        assertEquals(0, usage.exitValue());
        String usageText = output(usage);
        assertTrue(usageText.contains("java -jar gateway.jar replay --capture FILE"), usageText);
        assertTrue(usageText.contains("[--array PATTERN=MODE]"), usageText);
    }

    /** {@code dev.gateway.cli.Main} in a JVM of its own, on this test's class path; waited for. */
    private static Process main(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "dev.gateway.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("no exit within 60 s: " + command);
        }
        return p;
    }

    private static String output(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
