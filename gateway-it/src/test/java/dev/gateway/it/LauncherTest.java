package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production launcher ({@code gateway-cli/target/gateway}, a POSIX shell script) run for real with this
 * JDK: the JVM options it derives from the memory budget, the class-data archive it names, where it finds the
 * jar through a symlink, how it passes arguments on, and its refusals. Each run is the {@code token}
 * subcommand, which starts the JVM, prints a JWT signed with the demo key and exits 0.
 */
class LauncherTest {
    private static final Pattern XMX = Pattern.compile(" -Xmx(\\d+)m ");
    private static final Pattern DIRECT = Pattern.compile(" -XX:MaxDirectMemorySize=(\\d+)m ");

    record Run(int exit, String stdout, String stderr) {
        /** The java command line the launcher printed (GATEWAY_PRINT_COMMAND=1): stderr's first line. */
        String command() {
            return stderr.lines().findFirst().orElse("");
        }

        int mib(Pattern option) {
            Matcher m = option.matcher(command() + " ");
            assertTrue(m.find(), option + " in " + command());
            return Integer.parseInt(m.group(1));
        }
    }

    static Path launcher() {
        Path launcher = Path.of(System.getProperty("gateway.jar")).resolveSibling("gateway");
        assertTrue(Files.isExecutable(launcher), "the launcher is missing (mvn package builds it): " + launcher);
        return launcher;
    }

    static Run run(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // The JVM's own environment options would print "Picked up ..." on stderr.
        for (String v : List.of("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")) {
            pb.environment().remove(v);
        }
        pb.environment().remove("GATEWAY_MEMORY");
        pb.environment().remove("GATEWAY_CDS");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("GATEWAY_PRINT_COMMAND", "1");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit: " + cmd);
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static JsonNode claims(String jwt) throws IOException {
        String[] parts = jwt.strip().split("\\.");
        assertEquals(3, parts.length, "a JWT: " + jwt);
        return new ObjectMapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
    }

    @Test
    void budgetIsSplitAQuarterToHeapAndAQuarterToDirectMemory() throws Exception {
        Run run = run(launcher(), Map.of("GATEWAY_MEMORY", "256m"), "token");
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(64, run.mib(XMX));
        assertEquals(64, run.mib(DIRECT));
        assertTrue(run.command().contains(" -XX:+UseSerialGC "), run.command());
        claims(run.stdout());
    }

    @Test
    void heapAndDirectMemoryStopAt512MiB() throws Exception {
        Run run = run(launcher(), Map.of("GATEWAY_MEMORY", "4g"), "token");
        assertEquals(0, run.exit(), run.stderr());
        assertEquals(512, run.mib(XMX));
        assertEquals(512, run.mib(DIRECT));
    }

    @Test
    void withoutABudgetTheMemoryLimitOrAtMost512MiBIsSplit() throws Exception {
        Run run = run(launcher(), Map.of(), "token");
        assertEquals(0, run.exit(), run.stderr());
        long budget = defaultBudgetMiB();
        assertEquals(Math.min(512, budget / 4), run.mib(XMX), "a quarter of " + budget + " MiB");
    }

    /** The budget the launcher takes without GATEWAY_MEMORY: the cgroup's limit, else 512 MiB or less. */
    private static long defaultBudgetMiB() throws IOException {
        Path v2 = Path.of("/sys/fs/cgroup/memory.max");
        Path v1 = Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes");
        if (Files.isReadable(v2) && Files.readString(v2).strip().matches("\\d+")) {
            return Long.parseLong(Files.readString(v2).strip()) / (1024 * 1024);
        }
        if (Files.isReadable(v1)) {
            long limit = Long.parseLong(Files.readString(v1).strip());
            if (limit < 4611686018427387904L) {
                return limit / (1024 * 1024);
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                long kib = Long.parseLong(line.replaceAll("\\D", ""));
                return Math.min(512, kib / 1024);
            }
        }
        return 512;
    }

    @Test
    void badBudgetsAreRefusedNamingTheValue() throws Exception {
        for (String bad : List.of("lots", "256mb", "-1g", "1.5g", "9999999999g")) {
            Run run = run(launcher(), Map.of("GATEWAY_MEMORY", bad), "token");
            assertEquals(1, run.exit(), bad + ": " + run.stderr());
            assertTrue(run.stderr().contains("GATEWAY_MEMORY='" + bad + "' is not a size"), run.stderr());
            assertEquals("", run.stdout());
        }
        Run small = run(launcher(), Map.of("GATEWAY_MEMORY", "100m"), "token");
        assertEquals(1, small.exit());
        assertTrue(small.stderr().contains("100 MiB is too small"), small.stderr());
    }

    @Test
    void aJavaHomeWithoutJavaIsRefused(@TempDir Path dir) throws Exception {
        Run run = run(launcher(), Map.of("JAVA_HOME", dir.toString()), "token");
        assertEquals(1, run.exit());
        assertTrue(run.stderr().contains("has no bin/java"), run.stderr());
    }

    @Test
    void theArchiveIsNamedForThisJdkBesideTheJarAndCanBeTurnedOff() throws Exception {
        Path launcher = launcher();
        int feature = Runtime.version().feature();
        Path archive = launcher.resolveSibling("gateway-jdk" + feature + ".jsa").toRealPath();
        Run run = run(launcher, Map.of(), "token");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.command().contains(" -XX:SharedArchiveFile=" + archive + " "), run.command());
        // A refused archive would print the JVM's warning on stderr after the command line.
        assertEquals(1, run.stderr().lines().count(), run.stderr());

        Run off = run(launcher, Map.of("GATEWAY_CDS", "off"), "token");
        assertEquals(0, off.exit(), off.stderr());
        assertFalse(off.command().contains("SharedArchiveFile"), off.command());
    }

    @Test
    void aSymlinkToTheLauncherFindsTheJarBesideTheTarget(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("gateway"), launcher().toRealPath());
        Run run = run(link, Map.of("GATEWAY_MEMORY", "256m"), "token");
        assertEquals(0, run.exit(), run.stderr());
        Path jar = Path.of(System.getProperty("gateway.jar")).toRealPath();
        assertTrue(run.command().endsWith(" -jar " + jar + " token"), run.command());
    }

    @Test
    void nativeLibrariesBesideTheJarAreOnTheLibraryPath(@TempDir Path dir) throws Exception {
        Path launcher = Files.copy(launcher(), dir.resolve("gateway"));
        Files.createSymbolicLink(dir.resolve("gateway.jar"), Path.of(System.getProperty("gateway.jar")).toRealPath());
        Run without = run(launcher, Map.of("GATEWAY_MEMORY", "256m"), "token");
        assertEquals(0, without.exit(), without.stderr());
        assertFalse(without.command().contains("java.library.path"), without.command());
        assertFalse(without.command().contains("SharedArchiveFile"), "no archive beside this jar: " + without.command());

        Path lib = Files.createDirectory(dir.resolve("lib"));
        Run with = run(launcher, Map.of("GATEWAY_MEMORY", "256m"), "token");
        assertEquals(0, with.exit(), with.stderr());
        assertTrue(with.command().contains(" -Djava.library.path=" + lib.toRealPath() + " "), with.command());
    }

    @Test
    void argumentsPassThroughUnsplitAndJavaOptsComeLastBeforeTheJar() throws Exception {
        Run run = run(launcher(), Map.of("GATEWAY_MEMORY", "256m", "JAVA_OPTS", "-Xmx100m -Dgateway.x=1"),
                "token", "--subject", "desk one; $(id) *", "--ttl", "5m");
        assertEquals(0, run.exit(), run.stderr());
        assertEquals("desk one; $(id) *", claims(run.stdout()).path("sub").asText());
        String command = run.command();
        // JAVA_OPTS after the launcher's own heap option, so it wins; then -jar and the arguments.
        int own = command.indexOf("-Xmx64m");
        int opts = command.indexOf("-Xmx100m");
        int property = command.indexOf("-Dgateway.x=1");
        assertTrue(own >= 0 && opts > own && property > opts && command.indexOf(" -jar ") > property, command);
        assertEquals(1, run.stdout().strip().lines().count(), "one token on stdout: " + run.stdout());
    }
}
