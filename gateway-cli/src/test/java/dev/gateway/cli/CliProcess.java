package dev.gateway.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line ({@link Main}) run as its own process on this module's class path, with its stdout and
 * stderr kept apart: what an operator runs, but for the jar around it (built only at {@code package}).
 */
final class CliProcess implements AutoCloseable {
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final String CLASS_PATH = System.getProperty("java.class.path");
    /** Small and quick to start: these processes serve a handful of requests. */
    private static final List<String> JVM = List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** How a shell runs the {@code token} subcommand of this class path (the try-lines' token command). */
    static final String TOKEN_COMMAND = "'" + JAVA + "' " + String.join(" ", JVM) + " -cp '" + CLASS_PATH
            + "' dev.gateway.cli.Main token";

    final Process process;
    final Stream out;
    final Stream err;

    /** A finished run: its exit status and everything it wrote. */
    record Result(int exit, String out, String err) {
    }

    /**
     * Runs the JVM with SIGHUP at its default disposition, whatever the test run inherited: under nohup (a
     * CI job, say) it is ignored, an ignored signal stays ignored across exec, and the JVM then never lets
     * the gateway handle it.
     */
    static final List<String> HANG_UP_DEFAULT = List.of("env", "--default-signal=HUP");

    private CliProcess(List<String> launch, List<String> jvmArgs, List<String> args, Path dir) throws IOException {
        List<String> cmd = new ArrayList<>(launch);
        cmd.add(JAVA);
        cmd.addAll(JVM);
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", CLASS_PATH, "dev.gateway.cli.Main"));
        cmd.addAll(args);
        Path outFile = Files.createTempFile(dir, "stdout", ".txt");
        Path errFile = Files.createTempFile(dir, "stderr", ".txt");
        // Into files, read as they grow: a pipe can lose what a process writes just before it exits.
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(outFile.toFile())
                .redirectError(errFile.toFile()).start();
        out = new Stream(outFile, "stdout");
        err = new Stream(errFile, "stderr");
    }

    /** Starts {@code Main} with {@code args}, in {@code dir} (relative paths are resolved there). */
    static CliProcess start(Path dir, List<String> jvmArgs, String... args) throws IOException {
        return new CliProcess(HANG_UP_DEFAULT, jvmArgs, List.of(args), dir);
    }

    /** Starts {@code Main} with {@code args} in {@code dir}, through {@code launch} (such as nohup). */
    static CliProcess startThrough(List<String> launch, Path dir, String... args) throws IOException {
        return new CliProcess(launch, List.of(), List.of(args), dir);
    }

    /** Runs {@code Main} with {@code args} in {@code dir} to its end (at most 60 s). */
    static Result run(Path dir, String... args) throws Exception {
        try (CliProcess p = start(dir, List.of(), args)) {
            if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("still running after 60 s: " + String.join(" ", args));
            }
            // Exited: the files hold all it wrote, exactly.
            return new Result(p.process.exitValue(), Files.readString(p.out.file), Files.readString(p.err.file));
        }
    }

    /** One of the process's output streams, line by line as it is written. */
    final class Stream {
        private final Path file;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();
        private final String name;
        private volatile boolean ended;

        Stream(Path file, String name) {
            this.file = file;
            this.name = name;
            Thread pump = new Thread(this::pump, "cli-" + name);
            pump.setDaemon(true);
            pump.start();
        }

        private void pump() {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder();
                for (boolean exited = false; ; ) {
                    int c = r.read();
                    if (c == '\n') {
                        lines.add(line.toString());
                        line.setLength(0);
                    } else if (c >= 0) {
                        line.append((char) c);
                    } else if (exited) {
                        if (line.length() > 0) {
                            lines.add(line.toString());
                        }
                        break; // read to the end after the process had exited: nothing more can come
                    } else {
                        exited = process.waitFor(10, TimeUnit.MILLISECONDS); // a tail's wait for more output
                    }
                }
            } catch (IOException | InterruptedException ignored) {
                // the file went away, or the test is over
            } finally {
                ended = true;
            }
        }

        /** Waits for a line matching {@code pattern}; fails with what was written so far. */
        Matcher awaitLine(Pattern pattern, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line == null) {
                    if (ended && lines.isEmpty()) {
                        break;
                    }
                    continue;
                }
                seen.add(line);
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            throw new AssertionError("no " + name + " line matching " + pattern + " in:\n" + String.join("\n", seen)
                    + "\n(" + (process.isAlive() ? "running" : "exited " + process.exitValue()) + "; the other stream:\n"
                    + (this == out ? err : out).soFar() + ")");
        }

        /**
         * Waits until each pattern has matched a line, read before this call or after; fails with what was
         * written so far.
         */
        void awaitAll(List<Pattern> patterns, int seconds) throws InterruptedException {
            List<Pattern> left = new ArrayList<>(patterns);
            lines.drainTo(seen);
            left.removeIf(p -> seen.stream().anyMatch(l -> p.matcher(l).find()));
            for (Pattern p : List.copyOf(left)) {
                awaitLine(p, seconds);
            }
        }

        /** The lines read so far, those awaited included. */
        String soFar() {
            lines.drainTo(seen);
            return String.join("\n", seen);
        }
    }

    /** Sends SIGHUP, as an operator's {@code kill -HUP} does. */
    void hangUp() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -HUP " + process.pid() + " failed");
        }
    }

    /** Stops it with SIGTERM (a drain), then for good after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
