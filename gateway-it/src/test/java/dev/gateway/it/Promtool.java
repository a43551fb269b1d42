package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Prometheus's own checker, from Debian's {@code prometheus} package (scripts/test installs it). */
final class Promtool {
    /** The repository root: the nearest directory at or above the working directory holding docs/ops. */
    static final Path ROOT = repositoryRoot();

    private Promtool() {
    }

    /**
     * Runs promtool in the repository root, with {@code input} on its standard input when not null, and
     * fails with its output unless it exits 0.
     */
    static void check(Path input, String... args) throws Exception {
        if (!onPath("promtool")) {
            fail("promtool is not on PATH: scripts/test installs it (Debian package `prometheus`, through "
                    + "scripts/lib/promtool.sh); by hand: apt-get install --no-install-recommends prometheus");
        }
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("promtool", ".out");
        try {
            // Output goes to a file, not a pipe, so that a promtool that hangs cannot block the read.
            ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            if (input != null) {
                pb.redirectInput(input.toFile());
            }
            Process process = pb.start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within 2 minutes:\n" + Files.readString(output));
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + text);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/ops/alerts.yml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no docs/ops/alerts.yml in " + Path.of("").toAbsolutePath() + " or above it");
    }
}
