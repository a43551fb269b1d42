package dev.gateway.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A process the start-up measurement started, its output (stdout and stderr together) in a file, so that a
 * failed wait can show what the process said. {@link #close} stops it and whatever it started; a shutdown
 * hook does the same for every child still running when the measuring JVM is interrupted.
 */
final class Child implements AutoCloseable {
    /** How long a process may take to exit after SIGTERM before it gets SIGKILL. */
    private static final long STOP_MILLIS = 10_000;
    private static final Set<Child> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Child::close), "stop-children"));
    }

    private final String name;
    private final Process process;
    private final Path output;

    private Child(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code command}; its output goes to {@code output}. The caller takes the time just before: this
     * returns once the process is exec'd.
     */
    static Child start(String name, List<String> command, Map<String, String> env, Path output) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().putAll(env);
        Child child = new Child(name, pb.start(), output);
        RUNNING.add(child);
        return child;
    }

    Process process() {
        return process;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits for the exit; fails with the output's tail when it takes longer than {@code millis} or is not 0. */
    void awaitExit(long millis) throws InterruptedException {
        if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
            throw failure("did not exit within " + millis + " ms");
        }
        RUNNING.remove(this);
        if (process.exitValue() != 0) {
            throw failure("exited with " + process.exitValue());
        }
    }

    /** An exception naming the process, with the last lines of its output. */
    IllegalStateException failure(String what) {
        return new IllegalStateException(name + " (pid " + process.pid() + ") " + what + "; its output ends:\n"
                + tail(30));
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(output, StandardCharsets.UTF_8);
            return "  | " + String.join("\n  | ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "  (output unreadable: " + e + ")";
        }
    }

    /**
     * SIGTERM to the process and to what it started (a launcher script may not exec its JVM: the JVM would
     * outlive the script, keep the ports and skew the next start), a wait, SIGKILL to any that remain.
     */
    @Override
    public void close() {
        // Children first read while the parent lives: once it exits they are reparented and out of reach.
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(0, process.toHandle());
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS);
        for (ProcessHandle h : all) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
                h.onExit().join();
            }
        }
        try {
            process.waitFor(); // reaps the process itself, which onExit of its handle does not promise
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RUNNING.remove(this);
    }
}
