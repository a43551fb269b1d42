package dev.gateway.cli.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The {@code --credentials-hook}: a shell command ({@code sh -c}) run once per target, caller and
 * credential kind, before the replay starts, up to four at a time, each within {@link #TIME_LIMIT}. It is
 * told whom it is for by {@code REPLAY_TARGET} ({@code a} or {@code b}), {@code REPLAY_TARGET_URL},
 * {@code REPLAY_CALLER} (the capture's caller key, such as {@code j:alice}) and {@code REPLAY_CREDENTIAL}
 * ({@code jwt} or {@code apikey}; callers that sent none get none, without asking the hook). Its standard
 * output is header lines, {@code Name: value}, added to that caller's requests on that target; blank
 * lines are ignored; its standard input is empty.
 *
 * <p>A hook that exits with a non-zero status, runs out of time, or prints anything else fails for that
 * key: the failure says which of these it was, never what was printed (it may be a credential), and the
 * hook's standard error, when it failed, goes to the replay's own standard error, never to the report.
 */
final class CredentialsHook {
    static final Duration TIME_LIMIT = Duration.ofSeconds(30);
    private static final int MAX_OUTPUT = 64 * 1024;
    private static final int MAX_ERRORS = 4 * 1024;

    private final String command;
    private final Map<String, URI> targets;
    private final Duration limit;

    /** Whom the hook is asked for. */
    record Key(String target, String caller, String credential) {
    }

    /**
     * What it answered: the headers, or why there are none.
     *
     * @param problem {@code null} when the hook succeeded
     * @param errors the hook's standard error when it failed (for the console only)
     */
    record Result(List<Map.Entry<String, String>> headers, String problem, String errors) {
        boolean ok() {
            return problem == null;
        }
    }

    /** @param targets the target names ({@code a}, {@code b}) and their base URLs */
    CredentialsHook(String command, Map<String, URI> targets, Duration limit) {
        this.command = command;
        this.targets = Map.copyOf(targets);
        this.limit = limit;
    }

    /**
     * Runs the hook for every key, up to four at a time.
     *
     * @param progress told of each key as it is done
     */
    Map<Key, Result> resolve(Collection<Key> keys, Consumer<Key> progress) throws InterruptedException {
        ExecutorService runners = Executors.newFixedThreadPool(4, daemon("replay-hook"));
        ExecutorService readers = Executors.newCachedThreadPool(daemon("replay-hook-output"));
        try {
            Map<Key, Future<Result>> running = new LinkedHashMap<>();
            for (Key k : keys) {
                running.put(k, runners.submit(() -> run(k, readers)));
            }
            Map<Key, Result> out = new LinkedHashMap<>();
            for (Map.Entry<Key, Future<Result>> e : running.entrySet()) {
                try {
                    out.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException ex) {
                    out.put(e.getKey(), new Result(List.of(), "failed: " + ex.getCause(), ""));
                }
                progress.accept(e.getKey());
            }
            return out;
        } finally {
            runners.shutdownNow();
            readers.shutdownNow();
        }
    }

    private Result run(Key key, ExecutorService readers) throws InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command);
        pb.environment().put("REPLAY_TARGET", key.target());
        pb.environment().put("REPLAY_TARGET_URL", targets.get(key.target()).toString());
        pb.environment().put("REPLAY_CALLER", key.caller());
        pb.environment().put("REPLAY_CREDENTIAL", key.credential());
        Process p;
        try {
            p = pb.start();
            p.getOutputStream().close();
        } catch (IOException e) {
            return new Result(List.of(), "could not start: " + e.getMessage(), "");
        }
        Future<byte[]> out = readers.submit(() -> readUpTo(p.getInputStream(), MAX_OUTPUT + 1));
        Future<byte[]> err = readers.submit(() -> readUpTo(p.getErrorStream(), MAX_ERRORS));
        long deadline = System.nanoTime() + limit.toNanos();
        byte[] stdout;
        int status;
        try {
            stdout = out.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException();
            }
            status = p.exitValue();
        } catch (TimeoutException e) {
            kill(p);
            return new Result(List.of(), "did not finish within " + (limit.toMillis() < 1000 ? limit.toMillis() + " ms"
                    : limit.toSeconds() + " s"), errors(err));
        } catch (ExecutionException e) {
            kill(p);
            return new Result(List.of(), "its output could not be read: " + e.getCause(), errors(err));
        }
        if (status != 0) {
            return new Result(List.of(), "exited with status " + status, errors(err));
        }
        if (stdout.length > MAX_OUTPUT) {
            return new Result(List.of(), "printed more than " + MAX_OUTPUT / 1024 + " KiB", errors(err));
        }
        return parse(new String(stdout, StandardCharsets.UTF_8), errors(err));
    }

    /** Header lines, {@code Name: value}; the problem names the line, not its text. */
    static Result parse(String output, String errors) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String[] lines = output.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            String name = colon <= 0 ? "" : line.substring(0, colon);
            if (!isToken(name)) {
                return new Result(List.of(), "line " + (i + 1) + " of its output is not 'Name: value'", errors);
            }
            if (TargetClient.RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                return new Result(List.of(), "it printed header '" + name + "', which the replay cannot set", errors);
            }
            headers.add(Map.entry(name, line.substring(colon + 1).trim()));
        }
        return new Result(List.copyOf(headers), null, null);
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly); // sh -c's children hold its output open
        p.destroyForcibly();
    }

    private static String errors(Future<byte[]> err) {
        try {
            return new String(err.get(1, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
        } catch (Exception e) {
            return "";
        }
    }

    private static byte[] readUpTo(InputStream in, int max) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(max);
            in.transferTo(OutputStream.nullOutputStream()); // let the hook finish writing rather than block
            return b;
        }
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
