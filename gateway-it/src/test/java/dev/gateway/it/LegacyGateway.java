package dev.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The old Node/Express gateway this project replaces ({@code ../shared/legacy-gateway} beside the
 * repository) run as its own process, in front of upstreams a test chooses.
 *
 * <p>Once per JVM its folder is copied to a temporary directory (the shared one is read-only in CI) and
 * {@code npm ci --omit=dev --silent} installs its dependencies there; each {@link #start} then runs
 * {@code node server.js} from that copy on free ports. Nothing is skipped: without node or npm, or when
 * the install fails, {@code start} throws and the test fails with what to do about it. {@code
 * scripts/test} installs Debian's {@code nodejs} and {@code npm} when they are missing.
 *
 * <p>Where the folder is: the system property {@value #DIR_PROPERTY}, else the environment variable
 * {@value #DIR_ENV}, else {@code ../shared/legacy-gateway} from the project root (the system property
 * {@code project.root}, set by gateway-it's pom, else the first directory above {@code user.dir} holding
 * {@code pom.xml} and {@code gateway-it/}). The contract it serves: {@value #SPEC_PROPERTY}, else {@value
 * #SPEC_ENV}, else {@code contract/openapi.yaml} beside that folder ({@code ../shared/contract/openapi.yaml}
 * from the project root), which is also the old gateway's own default.
 */
final class LegacyGateway implements AutoCloseable {
    /** System property naming the old gateway's folder (the one holding {@code server.js}). */
    static final String DIR_PROPERTY = "legacy.dir";
    /** Environment variable naming the old gateway's folder, when {@value #DIR_PROPERTY} is not set. */
    static final String DIR_ENV = "LEGACY_DIR";
    /** System property naming the OpenAPI document the old gateway serves. */
    static final String SPEC_PROPERTY = "legacy.spec";
    /** Environment variable naming that document, when {@value #SPEC_PROPERTY} is not set. */
    static final String SPEC_ENV = "LEGACY_SPEC";
    /** The API key its default {@code API_KEYS} knows, as the caller {@code demo} with all four scopes. */
    static final String DEMO_API_KEY = "demo-key";
    /** Its default HS256 secret ({@code JWT_SECRET}). */
    static final String DEMO_JWT_SECRET = "demo-secret-demo-secret-demo-secret!!";

    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** Starts tried with fresh ports when node finds one taken (it exits with EADDRINUSE). */
    private static final int PORT_ATTEMPTS = 3;
    /** The old gateway's settings: never inherited from the test JVM's environment, only set here. */
    private static final List<String> ITS_VARIABLES = List.of("PORT", "ADMIN_PORT", "TRADE_URL", "TASK_URL",
            "SPEC", "API_KEYS", "JWT_SECRET", "RATE", "ACCESS_LOG");
    private static final String HOW_TO_GET_NODE = "run scripts/test (it installs Debian's nodejs and npm when"
            + " missing) or install them: apt-get install nodejs npm";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();
    /** Processes started and not closed yet: stopped when the JVM exits, should a test forget one. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    /** The installed copy, or why it could not be made; once per JVM. Guarded by the class. */
    private static Path installed;
    private static IllegalStateException installFailure;

    private final Process process;
    private final Path log;
    private final int port;
    private final int adminPort;

    private LegacyGateway(Process process, Path log, int port, int adminPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.adminPort = adminPort;
    }

    /**
     * Starts the old gateway on free ports of 127.0.0.1 and waits until {@code GET /healthz} answers 200 on
     * both its public and its admin port.
     *
     * @param tradeUrl its {@code TRADE_URL}, for example {@code http://127.0.0.1:4711}
     * @param taskUrl its {@code TASK_URL}
     * @param extraEnv more of its environment, over the defaults set here ({@code ACCESS_LOG=off},
     *     {@code RATE=100000}): for example {@code API_KEYS}, {@code JWT_SECRET}, {@code ACCESS_LOG=on}; not
     *     {@code PORT} or {@code ADMIN_PORT}, which the fixture chooses
     * @return the running gateway; close it to stop it
     * @throws IllegalStateException when its folder or contract cannot be found (naming where it looked),
     *     node or npm is missing, {@code npm ci} fails or runs over 5 minutes (with npm's output), or the
     *     process exits or is not healthy within 30 s (with its output)
     * @throws IllegalArgumentException when {@code extraEnv} names {@code PORT} or {@code ADMIN_PORT}
     * @throws IOException when the temporary copy or the process's output file cannot be written
     * @throws InterruptedException when interrupted while waiting for npm or the process (either is then stopped)
     */
    static LegacyGateway start(String tradeUrl, String taskUrl, Map<String, String> extraEnv)
            throws IOException, InterruptedException {
        Objects.requireNonNull(tradeUrl, "tradeUrl");
        Objects.requireNonNull(taskUrl, "taskUrl");
        if (extraEnv.containsKey("PORT") || extraEnv.containsKey("ADMIN_PORT")) {
            throw new IllegalArgumentException("the fixture chooses PORT and ADMIN_PORT: " + extraEnv.keySet());
        }
        Path app = installed();
        Path spec = spec();
        String lastOutput = "";
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int[] ports = freePorts();
            Path log = Files.createTempFile(app.getParent(), "server-", ".log");
            ProcessBuilder pb = new ProcessBuilder("node", "server.js").directory(app.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            ITS_VARIABLES.forEach(env::remove);
            env.put("PORT", String.valueOf(ports[0]));
            env.put("ADMIN_PORT", String.valueOf(ports[1]));
            env.put("TRADE_URL", tradeUrl);
            env.put("TASK_URL", taskUrl);
            env.put("SPEC", spec.toString());
            env.put("ACCESS_LOG", "off");
            env.put("RATE", "100000");
            env.putAll(extraEnv);
            LegacyGateway g = new LegacyGateway(launch(pb, "node"), log, ports[0], ports[1]);
            boolean ready = false;
            try {
                ready = g.awaitHealthy();
            } finally {
                if (!ready) {
                    g.close();
                }
            }
            if (ready) {
                return g;
            }
            lastOutput = g.output();
        }
        throw new IllegalStateException("the old gateway found one of its ports taken " + PORT_ATTEMPTS
                + " times in a row; its last output:\n" + lastOutput);
    }

    /** @return its public port on 127.0.0.1 */
    int port() {
        return port;
    }

    /** @return its admin port on 127.0.0.1 ({@code /metrics}, {@code /healthz}) */
    int adminPort() {
        return adminPort;
    }

    /** @return {@code http://127.0.0.1:PORT}, its public listener, without a trailing slash */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * @return what the process has written so far to stdout and stderr together (its access log when
     *     {@code ACCESS_LOG=on}, and any crash), for failure messages; never throws
     */
    String output() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(its output in " + log + " cannot be read: " + e + ")";
        }
    }

    /**
     * Stops the process this instance started, and nothing else: SIGTERM, then after 10 s a SIGKILL.
     * Returns once it has exited (or after 10 s more); calling it again does nothing.
     */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(process);
        }
    }

    /**
     * Polls {@code /healthz} on both ports until both answer 200.
     *
     * @return false when node exited because a port was taken (the caller tries other ports)
     */
    private boolean awaitHealthy() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                String out = output();
                if (out.contains("EADDRINUSE")) {
                    return false;
                }
                throw new IllegalStateException("the old gateway exited with code " + process.exitValue()
                        + " before answering /healthz; its output:\n" + out);
            }
            if (healthy(port) && healthy(adminPort) && process.isAlive()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the old gateway did not answer GET /healthz with 200 on ports "
                        + port + " and " + adminPort + " within " + START_TIMEOUT.toSeconds()
                        + " s; its output:\n" + output());
            }
            Thread.sleep(50);
        }
    }

    private static boolean healthy(int port) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * Two distinct free ports, each bound and released. Another process may take one before node binds
     * it: node then exits with EADDRINUSE and {@link #start} tries again.
     */
    private static int[] freePorts() throws IOException {
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    /** Starts {@code pb}; a missing {@code program} is an error saying how to get it. */
    private static Process launch(ProcessBuilder pb, String program) {
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException(program + " cannot be run (" + e.getMessage() + "): the tests start"
                    + " the old gateway with node and npm; " + HOW_TO_GET_NODE, e);
        }
        RUNNING.add(p);
        return p;
    }

    /** The installed copy: made on the first call, then the same directory (or the same failure). */
    private static synchronized Path installed() throws IOException, InterruptedException {
        if (installFailure != null) {
            throw new IllegalStateException(installFailure.getMessage(), installFailure);
        }
        if (installed == null) {
            try {
                installed = install(legacyDir());
            } catch (IllegalStateException e) {
                installFailure = e;
                throw e;
            }
        }
        return installed;
    }

    /** Copies {@code source} (without any node_modules) to a temporary directory and runs npm ci there. */
    private static Path install(Path source) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("legacy-gateway");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            RUNNING.forEach(Process::destroyForcibly);
            deleteTree(work);
        }, "legacy-gateway-cleanup"));
        Path app = work.resolve("app");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path from : (Iterable<Path>) files::iterator) {
                Path rel = source.relativize(from);
                if (rel.startsWith("node_modules")) {
                    continue;
                }
                Path to = app.resolve(rel.toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                    to.toFile().setWritable(true, true); // the copy keeps the read-only source's mode
                }
            }
        }
        Path out = work.resolve("npm.out");
        Path logs = work.resolve("npm-logs");
        ProcessBuilder pb = new ProcessBuilder("npm", "ci", "--omit=dev", "--silent").directory(app.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        // --silent hides npm's errors too: its debug log goes where a failure message can quote it.
        pb.environment().put("npm_config_logs_dir", logs.toString());
        pb.environment().put("npm_config_update_notifier", "false");
        pb.environment().put("npm_config_fund", "false");
        long t0 = System.nanoTime();
        Process npm = launch(pb, "npm");
        boolean finished = false;
        try {
            finished = npm.waitFor(NPM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            if (!finished) { // over time, or the test was interrupted: npm and what it started are ours to stop
                npm.descendants().forEach(ProcessHandle::destroyForcibly);
                npm.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            RUNNING.remove(npm);
        }
        if (!finished) {
            throw new IllegalStateException("npm ci --omit=dev --silent did not finish within "
                    + NPM_TIMEOUT.toMinutes() + " min in " + app + " (is the npm registry reachable?)"
                    + npmOutput(out, logs));
        }
        if (npm.exitValue() != 0) {
            throw new IllegalStateException("npm ci --omit=dev --silent failed with exit code " + npm.exitValue()
                    + " in " + app + " (is the npm registry reachable?)" + npmOutput(out, logs));
        }
        System.out.printf("LegacyGateway: npm ci --omit=dev took %d ms in %s%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), app);
        return app;
    }

    /** npm's own output, and the error lines of its debug logs (where {@code --silent} puts its errors). */
    private static String npmOutput(Path out, Path logs) {
        StringBuilder sb = new StringBuilder();
        try {
            String printed = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
            sb.append(printed.isBlank() ? "\nit printed nothing" : "\nits output:\n" + printed);
            if (Files.isDirectory(logs)) {
                try (Stream<Path> files = Files.list(logs)) {
                    for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                        List<String> errors = new ArrayList<>();
                        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                            if (line.matches("\\d+ error .*") && errors.size() < 40) {
                                errors.add(line);
                            }
                        }
                        sb.append("\nerrors in its log ").append(f).append(":\n").append(String.join("\n", errors));
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            sb.append("\n(npm's output cannot be read: ").append(e).append(')');
        }
        return sb.toString();
    }

    /**
     * The old gateway's folder: {@value #DIR_PROPERTY}, else {@value #DIR_ENV}, else {@code
     * ../shared/legacy-gateway} from the project root.
     *
     * @return the folder, which holds {@code server.js} and {@code package-lock.json}
     * @throws IllegalStateException naming where it looked, when that folder does not hold them
     */
    static Path legacyDir() {
        String configured = System.getProperty(DIR_PROPERTY);
        String how = "-D" + DIR_PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(DIR_ENV);
            how = "$" + DIR_ENV;
        }
        Path dir;
        if (configured == null || configured.isBlank()) {
            Path root = projectRoot();
            dir = root.resolve("../shared/legacy-gateway").normalize();
            how = "../shared/legacy-gateway from the project root " + root;
        } else {
            dir = Path.of(configured).toAbsolutePath().normalize();
        }
        if (!Files.isRegularFile(dir.resolve("server.js")) || !Files.isRegularFile(dir.resolve("package-lock.json"))) {
            throw new IllegalStateException("the old gateway is not at " + dir + " (" + how + "): no server.js and"
                    + " package-lock.json there. Point -D" + DIR_PROPERTY + " or $" + DIR_ENV + " to its folder");
        }
        return dir;
    }

    /**
     * The contract the old gateway is started with: {@value #SPEC_PROPERTY}, else {@value #SPEC_ENV}, else
     * {@code contract/openapi.yaml} beside its folder.
     *
     * @throws IllegalStateException naming the path, when it is not a file
     */
    static Path spec() {
        String configured = System.getProperty(SPEC_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(SPEC_ENV);
        }
        Path spec = configured == null || configured.isBlank()
                ? legacyDir().resolveSibling("contract").resolve("openapi.yaml")
                : Path.of(configured).toAbsolutePath().normalize();
        if (!Files.isRegularFile(spec)) {
            throw new IllegalStateException("the contract for the old gateway is not at " + spec + ". Point -D"
                    + SPEC_PROPERTY + " or $" + SPEC_ENV + " to it");
        }
        return spec;
    }

    /** The system property {@code project.root}, else the first directory up from user.dir with the modules. */
    private static Path projectRoot() {
        String configured = System.getProperty("project.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path d = start; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("gateway-it"))) {
                return d;
            }
        }
        throw new IllegalStateException("no project root (a directory with pom.xml and gateway-it/) at or above "
                + start + ", and -Dproject.root is not set. Point -D" + DIR_PROPERTY + " or $" + DIR_ENV
                + " to the old gateway's folder");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort, at exit
        }
    }
}
