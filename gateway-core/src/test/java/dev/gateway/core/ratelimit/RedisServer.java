package dev.gateway.core.ratelimit;

import dev.gateway.core.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} (from PATH; {@code scripts/lib/redis.sh} installs it) on a free loopback
 * port, without persistence, in a temporary directory. It can be killed (SIGKILL, as a crash), frozen
 * (SIGSTOP, as a server that holds connections open and never answers), thawed and started again on the
 * same port, so clients that reconnect find it where it was.
 */
public final class RedisServer implements AutoCloseable {
    /** How long a start may take before the test fails: a first start on a cold machine takes ~100 ms. */
    private static final long START_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final Path dir;
    private final String host;
    private final int port;
    /** What its requirepass asks for, or {@code null}. */
    private final String password;
    private volatile Process process;

    private RedisServer(Path dir, String host, int port, String password) {
        this.dir = dir;
        this.host = host;
        this.port = port;
        this.password = password;
        // A run that ends without close (a benchmark whose set-up failed, a test JVM that exits) must not
        // leave a server behind: a redis-server outlives the JVM that started it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
            }
        }, "redis-server-stop"));
    }

    /** Starts a server on a free port of 127.0.0.1 and returns once it answers PING. */
    public static RedisServer start() throws IOException {
        return start("127.0.0.1");
    }

    /**
     * Starts a server on a free port of {@code host} (an address of this machine: {@code ::1}, say) and
     * returns once it answers PING.
     */
    public static RedisServer start(String host) throws IOException {
        RedisServer server = new RedisServer(Files.createTempDirectory("redis-test"), host, freePort(host), null);
        server.restart();
        return server;
    }

    /** Starts a server on 127.0.0.1 that asks for {@code password} ({@code requirepass}) of every client. */
    public static RedisServer startWithPassword(String password) throws IOException {
        RedisServer server = new RedisServer(Files.createTempDirectory("redis-test"), "127.0.0.1",
                freePort("127.0.0.1"), password);
        server.restart();
        return server;
    }

    public int port() {
        return port;
    }

    /** Its host and port, as {@code rateLimits.redis.address} takes them. */
    public HostPort address() {
        return new HostPort(host, port);
    }

    /** {@code redis://HOST:PORT}, for Lettuce's own client. */
    public String uri() {
        return "redis://" + address();
    }

    /**
     * Starts the server again (after {@link #kill}) on the same port; returns once it answers PING.
     *
     * @throws IllegalStateException when it is already running, or does not answer within 20 s
     */
    public void restart() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server is still running");
        }
        try {
            List<String> command = new ArrayList<>(List.of("redis-server", "--save", "", "--appendonly", "no",
                    "--port", Integer.toString(port), "--bind", host, "--dir", dir.toString()));
            if (password != null) {
                command.addAll(List.of("--requirepass", password));
            }
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot run redis-server (scripts/lib/redis.sh installs Debian's package): " + e, e);
        }
        long deadline = System.nanoTime() + START_LIMIT_NANOS;
        while (!answersPing()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + log());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("redis-server did not answer PING on port " + port + ": " + log());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // between polls of the socket
        }
    }

    /** Kills the server with SIGKILL (a crash: connections reset, nothing is saved) and waits for its exit. */
    public void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Unix
        process.waitFor();
    }

    /** SIGSTOP: the server keeps its connections open and answers nothing until {@link #thaw}. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #freeze}. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** One PING over a fresh connection: true on {@code +PONG}, false when refused or answered otherwise. */
    public boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            String auth = password == null ? "" : "AUTH " + password + "\r\n";
            out.write((auth + "PING\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String expected = (password == null ? "" : "+OK\r\n") + "+PONG\r\n";
            byte[] answer = in.readNBytes(expected.length());
            return expected.equals(new String(answer, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) {
            thaw(); // a frozen server would not die of SIGKILL until continued on some kernels' accounts
            kill();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
