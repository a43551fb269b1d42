package dev.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.CliProcess.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as its own process: usage and exit status, configuration errors as the operator reads
 * them, configuration layers ({@code --demo}, {@code --config} repeated) at start and at reload, and the
 * try-lines a gateway in demo mode prints, each run as printed.
 */
class CommandLineTest {
    /** Stands for a secret typed in the wrong place: never in any message. */
    private static final String SECRET = "Zq7secretXk9mLp2vR8tW4nY6bH3jF5dS1aG0";
    private static final String LOOPBACK = "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n";
    private static final Pattern LISTENING = Pattern.compile("^gateway: listening on (\\S+) \\(admin (\\S+)\\)");
    private static final Pattern TRADE_READ = Pattern.compile("\"tradeId\":\"trd_abcdefghij0123456789\"");

    @TempDir
    Path dir;

    private Path file(String name, String yaml) throws Exception {
        return Files.writeString(dir.resolve(name), yaml);
    }

    private Result run(String... args) throws Exception {
        return CliProcess.run(dir, args);
    }

    @Test
    void helpPrintsTheCommandsUsageOnStdoutAndExitsZero() throws Exception {
        String[][] commands = {
            {"--help"}, {"-h"}, {"--demo", "--help"}, {"token", "--help"}, {"token", "-h"},
            {"demo-upstreams", "--help"}, {"replay", "--help"}, {"train", "--help"}};
        String[] starts = {
            "usage: java -jar gateway.jar [--demo] [--config FILE]...", "usage: java -jar gateway.jar [--demo]",
            "usage: java -jar gateway.jar [--demo]", "usage: java -jar gateway.jar token [--demo] [--config FILE]...",
            "usage: java -jar gateway.jar token", "usage: java -jar gateway.jar demo-upstreams [--host 127.0.0.1]",
            "usage: java -jar gateway.jar replay --capture FILE", "usage: java -XX:ArchiveClassesAtExit=gateway.jsa"};
        for (int i = 0; i < commands.length; i++) {
            Result r = run(commands[i]);
            String what = String.join(" ", commands[i]) + ": " + r;
            assertEquals(0, r.exit(), what);
            assertTrue(r.out().startsWith(starts[i]), what);
            assertEquals("", r.err(), what);
        }
    }

    @Test
    void anUnknownArgumentExitsTwoWithTheCommandsUsageOnStderr() throws Exception {
        String[][] commands = {{"--bogus"}, {"token", "--bogus"}, {"demo-upstreams", "--bogus"}, {"replay", "--bogus"},
            {"train", "--bogus"}, {"--config"}};
        String[] usages = {"usage: java -jar gateway.jar [--demo]", "usage: java -jar gateway.jar token",
            "usage: java -jar gateway.jar demo-upstreams", "usage: java -jar gateway.jar replay",
            "usage: java -XX:ArchiveClassesAtExit", "usage: java -jar gateway.jar [--demo]"};
        for (int i = 0; i < commands.length; i++) {
            Result r = run(commands[i]);
            String what = String.join(" ", commands[i]) + ": " + r;
            assertEquals(2, r.exit(), what);
            assertEquals("", r.out(), what);
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.contains(commands[i].length == 1 && commands[i][0].equals("--config")
                    ? "--config needs a value" : "unknown argument '"), what);
            assertTrue(r.err().lines().skip(1).findFirst().orElse("").startsWith(usages[i]), what);
        }
    }

    @Test
    void aFileThatCannotBeReadIsNamedOnceWithTheReason() throws Exception {
        Result missing = run("--config", "missing.yaml");
        assertEquals(2, missing.exit(), missing.toString());
        assertEquals("gateway: missing.yaml: cannot read the configuration file: no such file\n", missing.err());
        Files.createDirectory(dir.resolve("conf.d"));
        Result directory = run("--demo", "--config", "conf.d");
        assertEquals("gateway: conf.d: cannot read the configuration file: it is a directory\n", directory.err());
        assertEquals(2, directory.exit());
        // The token command reads the same layers, and says the same.
        Result token = run("token", "--config", "missing.yaml");
        assertEquals(2, token.exit());
        assertEquals("gateway: missing.yaml: cannot read the configuration file: no such file\n", token.err());
    }

    /**
     * Each error names the file, the line and column, the setting, and never the value: a duplicate key, a
     * syntax error, a wrong type, an unknown setting, a route's missing upstream, a route that leaves
     * operations uncovered (found only at start), an operation the contract lacks.
     */
    @Test
    void aConfigurationErrorNamesFileLineAndSettingButNeverTheValue() throws Exception {
        file("dup.yaml", "auth:\n  issuers: [x]\n  hmacKeys:\n    k1: '" + SECRET + "'\n    k1: '" + SECRET + "'\n");
        file("syntax.yaml", "auth:\n  hmacKeys:\n    k1: \"" + SECRET + "\\x\"\n");
        file("type.yaml", LOOPBACK + "client:\n  headersTimeout: " + SECRET + "\n");
        file("unknown.yaml", "auth:\n  hmacKey: " + SECRET + "\n");
        file("upstream.yaml", LOOPBACK + "routes:\n  - {prefix: /v1/trades, upstream: '" + SECRET + "'}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n");
        file("routes.yaml", LOOPBACK + "routes:\n  - {prefix: /v1/trades, upstream: trade}\n");
        file("ops.yaml", LOOPBACK + "operations:\n  placeOrder: {idleTimeout: 1s}\n");
        String[][] cases = {
            {"dup.yaml", "gateway: dup.yaml:5:5: setting 'auth.hmacKeys.k1' is given twice (first on line 4)"},
            {"syntax.yaml", "gateway: syntax.yaml:3:49: not valid YAML in setting 'auth.hmacKeys.k1': expected escape "
                    + "sequence of 2 hexadecimal numbers (while scanning a double-quoted scalar from line 3, column 9)"},
            {"type.yaml", "gateway: type.yaml:4:3: setting 'client.headersTimeout' expected a duration such as 250ms, "
                    + "2s or 5m"},
            {"unknown.yaml", "gateway: unknown.yaml:2:3: unknown setting 'auth.hmacKey' (known here: apiKeys, audience, clientCertificates, "
                    + "clockSkew, hmacKeys, issuers, jwksFile, jwksMinRefresh, jwksRefresh, jwksUrl, maxTokenSize, "
                    + "tokenCacheSize)"},
            {"upstream.yaml", "gateway: upstream.yaml:4:26: setting 'routes[0].upstream' names no upstream in "
                    + "'upstreams'"},
            {"routes.yaml", "gateway: routes.yaml:3:1: setting 'routes': operation '"},
            {"ops.yaml", "gateway: ops.yaml:4:3: setting 'operations.placeOrder': the contract has no operation of "
                    + "that id"}};
        for (String[] c : cases) {
            Result r = run("--demo", "--config", c[0]);
            assertEquals(2, r.exit(), c[0] + ": " + r);
            assertTrue(r.err().startsWith(c[1]), c[0] + ":\n" + r.err());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertFalse(r.err().contains(SECRET.substring(3, 12)), r.err());
            assertEquals("", r.out().lines().filter(l -> l.contains(SECRET.substring(3, 12))).findAny().orElse(""));
        }
    }

    /**
     * {@code --demo} layers the demo configuration beneath the files wherever it stands: a file that only
     * moves the listeners keeps the demo's upstreams and credentials, and the try-lines it prints (with the
     * real ports) all work as printed.
     */
    @Test
    void theDemoBeneathAFileThatChangesOnlyThePortKeepsTheDemoCredentials() throws Exception {
        file("port.yaml", LOOPBACK);
        try (CliProcess gw = CliProcess.start(dir, List.of("-D" + Main.TOKEN_COMMAND_PROPERTY + "="
                + CliProcess.TOKEN_COMMAND), "--config", "port.yaml", "--demo")) {
            List<String> curls = tryLines(gw);
            assertEquals(5, curls.size(), shown(String.join("\n", curls)));
            awaitReady(gw, true);
            assertTrue(curls.get(0).contains("-H 'X-API-Key: demo-key-local-only'"), curls.get(0));
            assertTrue(curls.get(1).contains("--http2-prior-knowledge"), curls.get(1)); // run below, as every line
            assertTrue(curls.get(2).contains("Authorization: Bearer $(" + CliProcess.TOKEN_COMMAND + ")"),
                    shown(curls.get(2)));
            for (String curl : curls) {
                assertAnswers(curl, "");
            }
            // The token command takes the same layers.
            Result token = run("token", "--demo", "--config", "port.yaml", "--scopes", "trades:read");
            assertEquals(0, token.exit(), token.toString());
            int port = Integer.parseInt(curls.get(0).replaceAll(".* 127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
            HttpResponse<String> r = get(port, "/v1/trades/trd_abcdefghij0123456789", "Authorization",
                    "Bearer " + token.out().strip());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(TRADE_READ.matcher(r.body()).find(), r.body());
        }
    }

    /** The try-lines offer only the credentials the running configuration accepts. */
    @Test
    void theTryLinesOfferOnlyTheCredentialsInEffect() throws Exception {
        String quick = LOOPBACK + "warmup: {enabled: false}\n";
        file("no-key.yaml", quick + "auth: {apiKeys: {demo: ~}}\n");
        file("no-jwt.yaml", quick + "auth: {hmacKeys: {demo: ~}}\n");
        file("none.yaml", quick + "auth: {apiKeys: {demo: ~}, hmacKeys: {demo: ~}}\n");
        String[] files = {"no-key.yaml", "no-jwt.yaml", "none.yaml"};
        boolean[][] offered = {{false, true}, {true, false}, {false, false}};
        for (int i = 0; i < files.length; i++) {
            try (CliProcess gw = CliProcess.start(dir, List.of("-D" + Main.TOKEN_COMMAND_PROPERTY + "="
                    + CliProcess.TOKEN_COMMAND), "--demo", "--config", files[i])) {
                List<String> curls = tryLines(gw);
                String all = files[i] + ":\n" + shown(String.join("\n", curls));
                assertEquals(offered[i][0], curls.stream().anyMatch(c -> c.contains("X-API-Key")), all);
                assertEquals(offered[i][1], curls.stream().anyMatch(c -> c.contains("Bearer")), all);
                awaitReady(gw, false);
                for (String curl : curls) {
                    assertAnswers(curl, files[i] + ": ");
                }
                int port = Integer.parseInt(curls.get(0).replaceAll(".* 127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
                // What is left out is refused indeed.
                if (!offered[i][0]) {
                    assertEquals(401, get(port, "/v1/trades/trd_abcdefghij0123456789", "X-API-Key",
                            DemoGateway.DEMO_API_KEY).statusCode(), files[i]);
                }
            }
        }
    }

    /** Without {@code --demo} (and with a file), nothing is printed on stderr: the lines belong to the demo. */
    @Test
    void withoutTheDemoNoTryLinesArePrinted() throws Exception {
        file("plain.yaml", LOOPBACK + "warmup: {enabled: false}\nshutdown: {drainDelay: 0s, grace: 1s}\n");
        try (CliProcess gw = CliProcess.start(dir, List.of(), "--config", "plain.yaml")) {
            gw.out.awaitLine(Pattern.compile("gateway listening on"), 60);
            gw.process.destroy(); // SIGTERM: it drains and exits, so its stderr is complete
            assertTrue(gw.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, gw.process.exitValue());
            assertEquals("", gw.err.soFar());
        }
    }

    /**
     * A reload reads every layer again, in order: a change of the second file applies (the watcher watches
     * every file given), the demo layer beneath stays, and an error in the second file is refused naming
     * that file and setting, never the value.
     */
    @Test
    void aReloadReadsEveryLayerAndAnErrorNamesTheLayersFile() throws Exception {
        file("first.yaml", LOOPBACK + "warmup: {enabled: false}\nmigration: {watchConfig: true}\n"
                + "upstreams: {legacy: {endpoints: ['127.0.0.1:9']}}\n");
        Path second = file("second.yaml", split(10));
        try (CliProcess gw = CliProcess.start(dir, List.of(), "--demo", "--config", "first.yaml",
                "--config", "second.yaml")) {
            int port = Integer.parseInt(tryLines(gw).get(0).replaceAll(".* 127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
            gw.out.awaitLine(Pattern.compile("watching \\[first\\.yaml, second\\.yaml\\] for changes"), 30);
            replace(second, split(40));
            gw.out.awaitLine(Pattern.compile("configuration reloaded \\(file change\\).*canaryWeight 10\\.0"
                    + ".*-> split legacy canaryWeight 40\\.0"), 60);
            // The demo layer is still there beneath: its API key is accepted on the task route.
            assertEquals(200, get(port, "/v1/tasks/tsk_abcdefghij0123456789", "X-API-Key",
                    DemoGateway.DEMO_API_KEY).statusCode());
            replace(second, "routes:\n  - {prefix: /v1/trades, upstream: trade, split: {stable: legacy, canaryWeight: "
                    + SECRET + "}}\n  - {prefix: /v1/tasks, upstream: task}\n");
            Matcher refused = gw.out.awaitLine(Pattern.compile("configuration reload \\(file change\\) refused.*"), 60);
            assertTrue(refused.group().contains("second.yaml:2:67: setting 'routes[0].split.canaryWeight' expected "
                    + "a number"), refused.group());
            assertFalse(refused.group().contains(SECRET.substring(3, 12)), refused.group());
            // SIGHUP reads the layers again too: the bad file is refused again, the process runs on.
            gw.hangUp();
            gw.out.awaitLine(Pattern.compile("configuration reload \\(SIGHUP\\) refused.*second\\.yaml:2:67"), 60);
            assertTrue(gw.process.isAlive());
        }
    }

    /**
     * Started with SIGHUP ignored (nohup), the JVM cannot take the signal over: the gateway says so, with
     * the other ways to reload, and a SIGHUP neither reloads nor stops it.
     */
    @Test
    void startedUnderNohupItSaysSighupCannotReload() throws Exception {
        file("nohup.yaml", LOOPBACK + "warmup: {enabled: false}\nshutdown: {drainDelay: 0s, grace: 1s}\n");
        try (CliProcess gw = CliProcess.startThrough(List.of("nohup"), dir, "--config", "nohup.yaml")) {
            gw.out.awaitLine(Pattern.compile("gateway listening on"), 60);
            gw.out.awaitLine(Pattern.compile("SIGHUP is ignored by what started the gateway.*POST /admin/reload"), 60);
            gw.hangUp();
            // SIGTERM still drains: had the SIGHUP stopped it, the exit would not be 0.
            gw.process.destroy();
            assertTrue(gw.process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, gw.process.exitValue());
            assertFalse(gw.out.soFar().contains("(SIGHUP)"), gw.out.soFar());
        }
    }

    private static String split(int weight) {
        return "routes:\n  - {prefix: /v1/trades, upstream: trade, split: {stable: legacy, canaryWeight: " + weight
                + "}}\n  - {prefix: /v1/tasks, upstream: task}\n";
    }

    /** Replaces the file in one step, as editors and deploy tools do. */
    private void replace(Path file, String content) throws Exception {
        Path next = dir.resolve(file.getFileName() + ".next");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits for the try-lines on stderr and returns the command lines among them, checking the ports said. */
    private static List<String> tryLines(CliProcess gw) throws Exception {
        Matcher head = gw.err.awaitLine(LISTENING, 60);
        assertTrue(head.group(1).matches("127\\.0\\.0\\.1:\\d+") && head.group(2).matches("127\\.0\\.0\\.1:\\d+"),
                head.group());
        gw.err.awaitLine(Pattern.compile("^Stop with Ctrl-C"), 10);
        List<String> curls = new ArrayList<>();
        for (String line : gw.err.soFar().lines().toList()) {
            if (line.startsWith("  curl ")) {
                String at = line.contains("/readyz") ? head.group(2) : head.group(1);
                assertTrue(line.contains(" " + at + "/"), "not at " + at + ": " + line);
                curls.add(line);
            }
        }
        return curls;
    }

    /**
     * Waits until the gateway says it is ready: both demo upstreams' first health checks passed and, when it
     * runs, the warm-up is over (log lines, not time).
     */
    private static void awaitReady(CliProcess gw, boolean warmUp) throws Exception {
        List<Pattern> wanted = new ArrayList<>(List.of(Pattern.compile("endpoint trade@\\S+ is healthy"),
                Pattern.compile("endpoint task@\\S+ is healthy")));
        if (warmUp) {
            wanted.add(Pattern.compile("warm-up: \\d+ requests through the pipeline"));
        }
        gw.out.awaitAll(wanted, 60);
    }

    /** Runs a printed line and checks its answer: what its comment says ({@code # 401 ...}), else a 2xx. */
    private void assertAnswers(String curl, String context) throws Exception {
        Matcher m = Pattern.compile("# (\\d{3})").matcher(curl);
        String expected = m.find() ? m.group(1) : "2\\d\\d";
        String status = curlStatus(curl);
        assertTrue(status.matches(expected), context + shown(curl) + "\nanswered " + status + ", not " + expected);
    }

    /** The line, shorter to read in a failure: the token command (a long class path) as TOKEN. */
    private static String shown(String curl) {
        return curl.replace(CliProcess.TOKEN_COMMAND, "TOKEN");
    }

    /**
     * Runs a printed line as a person pasting it into bash would (its {@code $(token)} included), with curl
     * told to print only the status and to stop after 5 s (the task events stream for longer).
     */
    private String curlStatus(String line) throws Exception {
        Process which = new ProcessBuilder("bash", "-c", "command -v curl").start();
        assertEquals(0, which.waitFor(), "curl is needed on PATH: the try-lines are curl commands, run as printed");
        String script = "curl() { command curl -o /dev/null -w '%{http_code}' --max-time 5 \"$@\"; }\n" + line + "\n";
        Process bash = new ProcessBuilder("bash", "-c", script).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(bash.getInputStream().readAllBytes()).strip();
        assertTrue(bash.waitFor(60, TimeUnit.SECONDS), shown(line));
        return out;
    }

    private static HttpResponse<String> get(int port, String path, String header, String value) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header(header, value)
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
