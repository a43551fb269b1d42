package dev.gateway.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The start-up figure of the gate: how long the gateway takes from the exec of its launch command to ready
 * (a proxied {@code GET /v1/trades/{id}} with an API key answered 200 and the admin {@code /readyz}
 * answered 200), divided by how long a trivial JVM takes from exec to exit ({@link StartupHello}), both
 * measured in this run. The divisor is what booting a JVM costs on this machine and JDK at this moment, so
 * the ratio holds across machines, as the round-trip ratios do.
 *
 * <p>The trivial JVM prints and exits rather than answering one HTTP request, as the gateway does. Both
 * were tried here and spread alike (±10% a start on a quiet machine, as much as each other under load), so
 * the simpler: its exit is seen exactly, when the wait for it returns, where a poll would be up to 2 ms
 * late on a 50 ms start, and it needs no port.
 *
 * <p>The kinds of start alternate, three trivial ones then a gateway, so that a slow spell on the machine
 * hits both; each side is the median of its starts. The demo upstreams run once, as their own process,
 * warm before the first start. The gateway is launched by {@code gateway-cli/target/gateway} (the
 * production launcher, with its JVM options and class-data archive) when that is an executable file, else
 * by {@code java -jar gateway-cli/target/gateway.jar}; its settings are those of scripts/footprint, on
 * free loopback ports.
 *
 * <p>Usage, from the repository root: {@code StartupBenchmark RESULT.json --api-key KEY --settings FILE
 * [--starts N] [--gateway-java-options OPTIONS]}. {@code --settings}: YAML lines that make the gateway
 * accept {@code KEY} (scripts/load-gateway.yaml); {@code --gateway-java-options}: set as {@code
 * JDK_JAVA_OPTIONS} for the gateway's starts only (to prove the gate fails, with {@code -Xint} say).
 * Writes {@code {"startup": {...}}} to RESULT.json: both sides' starts and medians in milliseconds, and the
 * ratio.
 */
public final class StartupBenchmark {
    /** Measured starts of the gateway; some 1.5 s each here, with the stop. */
    static final int STARTS = 7;
    /**
     * Trivial JVM starts before each gateway start. A trivial start varies by ±10% here, some three times as
     * much as a gateway start does, and costs 50 ms: three times as many take 40% off what it adds to the
     * ratio's spread, for a second in all.
     */
    static final int TRIVIAL_PER_START = 3;
    private static final String TRADE_PATH = "/v1/trades/trd_abcdefghij0123456789";
    private static final Path GATEWAY_DIR = Path.of("gateway-cli", "target");
    /** Deadlines, in milliseconds: far above the normal (60 ms, 1.5 s, 1 s here), to fail clearly, not hang. */
    private static final long EXIT_DEADLINE_MILLIS = 20_000;
    private static final long READY_DEADLINE_MILLIS = 60_000;
    private static final long UPSTREAM_DEADLINE_MILLIS = 60_000;
    /**
     * Pause between two polls of a starting gateway, in nanoseconds: a refused connection costs some tens of
     * microseconds, so polling this often takes next to nothing from the start it measures, and the time read
     * is late by at most this much (0.2% of a start here).
     */
    private static final long POLL_NANOS = 2_000_000;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    private final Path work;
    private final String apiKey;
    private final String settings;
    private final Map<String, String> gatewayEnv;
    private int outputs;

    private StartupBenchmark(Path work, String apiKey, String settings, Map<String, String> gatewayEnv) {
        this.work = work;
        this.apiKey = apiKey;
        this.settings = settings;
        this.gatewayEnv = gatewayEnv;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args[0].startsWith("--")) {
            usage();
        }
        Path result = Path.of(args[0]);
        String apiKey = null;
        Path settings = null;
        int starts = STARTS;
        Map<String, String> gatewayEnv = Map.of();
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage();
            }
            switch (args[i]) {
                case "--api-key" -> apiKey = args[i + 1];
                case "--settings" -> settings = Path.of(args[i + 1]);
                case "--starts" -> starts = Integer.parseInt(args[i + 1]);
                case "--gateway-java-options" -> gatewayEnv = Map.of("JDK_JAVA_OPTIONS", args[i + 1]);
                default -> usage();
            }
        }
        if (apiKey == null || settings == null || starts < 1) {
            usage();
        }
        long began = System.nanoTime();
        Path work = Files.createTempDirectory("startup-bench");
        boolean failed = false;
        try {
            ObjectNode figure = new StartupBenchmark(work, apiKey, Files.readString(settings), gatewayEnv)
                    .measure(starts);
            ObjectNode out = JSON.createObjectNode();
            out.set("startup", figure);
            Files.writeString(result, JSON.writeValueAsString(out) + "\n");
            System.out.printf(Locale.ROOT, "startup: ratio %.3f; %.1f s in all%n", figure.get("ratio").asDouble(),
                    (System.nanoTime() - began) / 1e9);
        } catch (IllegalStateException e) { // a process that failed or hung: its own words say why, not a trace
            System.err.println("startup: " + e.getMessage());
            failed = true;
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (failed) {
            System.exit(1);
        }
    }

    private static void usage() {
        System.err.println("usage: StartupBenchmark RESULT.json --api-key KEY --settings FILE [--starts N]"
                + " [--gateway-java-options OPTIONS]");
        System.exit(2);
    }

    private ObjectNode measure(int starts) throws Exception {
        List<String> launcher = launcher();
        List<String> trivial = List.of(java.toString(), "-cp", benchmarksJar(), StartupHello.class.getName());
        System.out.println("startup: gateway launched by " + String.join(" ", launcher)
                + (launcher.size() > 1 ? " (no executable " + GATEWAY_DIR.resolve("gateway") + ")" : ""));
        System.out.println("startup: trivial JVM: " + String.join(" ", trivial));
        try (Child upstreams = Child.start("demo upstreams", List.of(java.toString(), "-jar",
                GATEWAY_DIR.resolve("gateway.jar").toString(), "demo-upstreams", "--trade-port", "0",
                "--task-port", "0"), Map.of(), newOutput())) {
            int[] ports = upstreamPorts(upstreams);
            int[] free = freePorts(2);
            Path config = work.resolve("gateway.yaml");
            Files.writeString(config, "listener: {host: 127.0.0.1, port: " + free[0] + "}\n"
                    + "admin: {host: 127.0.0.1, port: " + free[1] + "}\n"
                    + "upstreams:\n"
                    + "  trade: {endpoints: [127.0.0.1:" + ports[0] + "]}\n"
                    + "  task: {endpoints: [127.0.0.1:" + ports[1] + "]}\n"
                    + "shutdown: {drainDelay: 0ms, grace: 1s}\n"
                    + settings);
            List<String> launch = new ArrayList<>(launcher);
            launch.addAll(List.of("--config", config.toString()));
            HttpProbe trade = new HttpProbe(free[0], TRADE_PATH, "X-API-Key: " + apiKey + "\r\n");
            HttpProbe ready = new HttpProbe(free[1], "/readyz", "");
            // One pair unmeasured first: the first exec of each reads the JDK's and the jar's files from disk
            // (or not, as the page cache has them), which is not what the figure is about.
            trivialStart(trivial);
            gatewayStart(launch, trade, ready);
            double[] jvm = new double[starts * TRIVIAL_PER_START];
            double[] gateway = new double[starts];
            for (int i = 0; i < starts; i++) {
                for (int k = 0; k < TRIVIAL_PER_START; k++) {
                    jvm[i * TRIVIAL_PER_START + k] = trivialStart(trivial);
                }
                gateway[i] = gatewayStart(launch, trade, ready);
                // Progress, written between starts (never while one is timed).
                System.out.printf(Locale.ROOT, "startup: start %d of %d: exec to ready in %.1f ms%n", i + 1, starts,
                        gateway[i]);
            }
            return figure(launcher, jvm, gateway);
        }
    }

    /** The production launcher when there is one, else {@code java -jar}: the command before its arguments. */
    private List<String> launcher() {
        Path launcher = GATEWAY_DIR.resolve("gateway");
        if (Files.isRegularFile(launcher) && Files.isExecutable(launcher)) {
            return List.of(launcher.toString());
        }
        return List.of(java.toString(), "-jar", GATEWAY_DIR.resolve("gateway.jar").toString());
    }

    /** Milliseconds from exec to exit of the trivial JVM. */
    private double trivialStart(List<String> command) throws Exception {
        Path output = newOutput();
        long t0 = System.nanoTime();
        try (Child jvm = Child.start("the trivial JVM", command, Map.of(), output)) {
            jvm.awaitExit(EXIT_DEADLINE_MILLIS);
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** Milliseconds from exec of the launch command to ready: the proxied GET and /readyz both answered 200. */
    private double gatewayStart(List<String> command, HttpProbe trade, HttpProbe ready) throws Exception {
        Path output = newOutput();
        long t0 = System.nanoTime();
        try (Child gateway = Child.start("the gateway", command, gatewayEnv, output)) {
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(READY_DEADLINE_MILLIS);
            int proxied = -1; // the last status of each, -1 while nothing answers
            int readyz = -1;
            while (true) {
                int timeout = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                proxied = proxied == 200 ? 200 : trade.status(timeout);
                readyz = readyz == 200 ? 200 : ready.status(timeout);
                if (proxied == 200 && readyz == 200) {
                    return (System.nanoTime() - t0) / 1e6;
                }
                if (!gateway.alive()) {
                    throw gateway.failure("exited with " + gateway.process().exitValue() + " before it was ready");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw gateway.failure("was not ready within " + READY_DEADLINE_MILLIS + " ms (last answers: "
                            + answer(proxied) + " to GET " + TRADE_PATH + ", " + answer(readyz) + " to /readyz)");
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
    }

    private static String answer(int status) {
        return status < 0 ? "none" : Integer.toString(status);
    }

    /** The demo upstreams' ports, from the line they print once both listen. */
    private static int[] upstreamPorts(Child upstreams) throws IOException {
        Pattern line = Pattern.compile("demo upstreams: trade on [^ ]*:(\\d+), task on [^ ]*:(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UPSTREAM_DEADLINE_MILLIS);
        while (true) {
            Matcher m = line.matcher(upstreams.tail(50));
            if (m.find()) {
                int[] ports = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
                if (new HttpProbe(ports[0], TRADE_PATH, "").status(10_000) != 200) {
                    throw upstreams.failure("listen but do not answer GET " + TRADE_PATH + " with 200");
                }
                return ports;
            }
            if (!upstreams.alive()) {
                throw upstreams.failure("exited with " + upstreams.process().exitValue());
            }
            if (System.nanoTime() - deadline > 0) {
                throw upstreams.failure("did not listen within " + UPSTREAM_DEADLINE_MILLIS + " ms");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Loopback ports free now, for the gateway's listeners (the same for every start). */
    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
        return ports;
    }

    private static String benchmarksJar() throws URISyntaxException {
        return Path.of(StartupBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    private Path newOutput() {
        return work.resolve("output-" + outputs++ + ".txt");
    }

    private static ObjectNode figure(List<String> launcher, double[] jvm, double[] gateway) {
        double jvmMedian = median(jvm);
        double gatewayMedian = median(gateway);
        System.out.printf(Locale.ROOT, "startup: %-39s median %7.1f ms of %2d (all: %s)%n",
                "trivial JVM, exec to exit:", jvmMedian, jvm.length, millis(jvm));
        System.out.printf(Locale.ROOT, "startup: %-39s median %7.1f ms of %2d (all: %s)%n",
                "gateway, exec to proxied 200 and ready:", gatewayMedian, gateway.length, millis(gateway));
        ObjectNode out = JSON.createObjectNode();
        out.put("launcher", String.join(" ", launcher));
        out.put("starts", gateway.length);
        out.put("trivialStarts", jvm.length);
        ArrayNode j = out.putArray("jvmMillis");
        Arrays.stream(jvm).forEach(j::add);
        ArrayNode g = out.putArray("gatewayMillis");
        Arrays.stream(gateway).forEach(g::add);
        out.put("jvmMedianMillis", jvmMedian);
        out.put("gatewayMedianMillis", gatewayMedian);
        out.put("ratio", gatewayMedian / jvmMedian);
        return out;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static String millis(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.0f", v));
        }
        return sb.toString();
    }
}
