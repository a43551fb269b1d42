package dev.gateway.it;

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

/** The shaded jar run as its own process, as operators run it. */
final class GatewayProcess implements AutoCloseable {
    private static final Pattern DEMO = Pattern.compile("trade on [^:]+:(\\d+), task on [^:]+:(\\d+)");
    private static final Pattern GATEWAY = Pattern.compile("listening on /[^:]+:(\\d+) \\(admin /[^:]+:(\\d+)\\)");

    final Process process;
    final BlockingQueue<String> output = new LinkedBlockingQueue<>();
    final List<String> seen = new ArrayList<>();
    final int port;
    final int adminPort;
    /** The process's output has ended: what is queued is all there will be. */
    private volatile boolean ended;

    private GatewayProcess(List<String> jvmArgs, List<String> args, Pattern ready) throws Exception {
        String jar = System.getProperty("gateway.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("the shaded jar is missing: " + jar + " (run mvn verify from the root)");
        }
        // SIGHUP at its default disposition, whatever this run inherited (nohup ignores it, an ignored signal
        // stays ignored across exec, and the JVM then never lets the gateway handle it).
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=HUP"));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar);
        cmd.addAll(args);
        // Into a file, read as it grows: a pipe loses what a process writes just before it exits (the JDK
        // swaps the pipe for a buffer at exit, under a reader that may be mid-read), and the last lines
        // of an asynchronous logger come just then.
        Path out = Files.createTempFile("gateway-process", ".out");
        out.toFile().deleteOnExit();
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        Thread pump = new Thread(() -> {
            try (Reader r = Files.newBufferedReader(out, StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder();
                for (boolean exited = false; ; ) {
                    int c = r.read();
                    if (c == '\n') {
                        output.add(line.toString());
                        line.setLength(0);
                    } else if (c >= 0) {
                        line.append((char) c);
                    } else if (exited) {
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
        }, "process-output");
        pump.setDaemon(true);
        pump.start();
        Matcher m = awaitLine(ready, 30);
        port = Integer.parseInt(m.group(1));
        adminPort = Integer.parseInt(m.group(2));
    }

    static GatewayProcess demoUpstreams() throws Exception {
        return new GatewayProcess(List.of("-Xmx64m"), List.of("demo-upstreams", "--trade-port", "0", "--task-port", "0"),
                DEMO);
    }

    static GatewayProcess gateway(List<String> jvmArgs, String configYaml) throws Exception {
        Path config = Files.createTempFile("gateway-test", ".yaml");
        config.toFile().deleteOnExit();
        return gateway(jvmArgs, config, configYaml);
    }

    /** The same, its configuration written to {@code config} (which a test may change, for a reload). */
    static GatewayProcess gateway(List<String> jvmArgs, Path config, String configYaml) throws Exception {
        Files.writeString(config, settings(configYaml));
        return new GatewayProcess(jvmArgs, List.of("--config", config.toString()), GATEWAY);
    }

    /**
     * The same without {@link TestGateway#CREDENTIALS}: {@code yaml} says what {@code auth} and {@code rateLimits}
     * are.
     */
    static GatewayProcess gatewayWithOwnCredentials(List<String> jvmArgs, String yaml) throws Exception {
        Path config = Files.createTempFile("gateway-test", ".yaml");
        config.toFile().deleteOnExit();
        Files.writeString(config, "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n" + yaml);
        return new GatewayProcess(jvmArgs, List.of("--config", config.toString()), GATEWAY);
    }

    /** What {@link #gateway} writes: loopback listeners on free ports, the tests' credentials, then {@code yaml}. */
    static String settings(String yaml) {
        return "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n" + TestGateway.CREDENTIALS
                + yaml;
    }

    /** Waits for an output line matching the pattern; fails with the output so far. */
    Matcher awaitLine(Pattern pattern, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = output.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (ended && output.isEmpty()) { // not process death: its last lines may still be in the pipe
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
        throw new AssertionError("no line matching " + pattern + " in:\n" + String.join("\n", seen));
    }

    String outputSoFar() {
        output.drainTo(seen);
        return String.join("\n", seen);
    }

    /** Once the process has exited: waits until its output has been read to the end, and returns all of it. */
    String outputToEnd(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!ended) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the output did not end within " + seconds + " s; process alive: "
                        + process.isAlive());
            }
            String line = output.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
            }
        }
        return outputSoFar();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
