package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operations kit in docs/ops: the alerting rules pass promtool's check and their unit tests, and every
 * metric that a dashboard panel queries is one the gateway exposes (the table in docs/ops/README.md).
 */
class OpsKitTest {
    /** Gauges and counters of /metrics. simpleclient_hotspot serves more jvm_* series than these three:
     *  add one here and to the README's table before a panel uses it. */
    static final Set<String> PLAIN = Set.of(
            "up",
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds",
            "process_open_fds", "process_max_fds", "process_virtual_memory_bytes",
            "jvm_memory_bytes_used", "jvm_threads_current",
            "gateway_upstream_connections", "gateway_upstream_pending_acquires",
            "gateway_upstream_requests_in_flight", "gateway_upstream_endpoint_up", "gateway_upstream_ejections_total",
            "gateway_circuit_breaker_state", "gateway_circuit_breaker_transitions_total",
            "gateway_upstream_retries_total", "gateway_retry_budget_exhausted_total", "gateway_upstream_state",
            "gateway_ready", "gateway_rate_limited_total", "gateway_auth_rejections_total",
            "gateway_validation_failures_total", "gateway_response_validation_total",
            "gateway_request_body_bytes_total", "gateway_response_body_bytes_total",
            "gateway_client_connections", "gateway_requests_in_flight", "gateway_access_log_dropped_total");
    /** Histograms, served as NAME_bucket, NAME_count and NAME_sum. */
    static final Set<String> HISTOGRAMS = Set.of(
            "http_request_duration_seconds", "gateway_upstream_attempt_duration_seconds");
    /** Summaries without quantiles, served as NAME_count and NAME_sum. */
    static final Set<String> SUMMARIES = Set.of("jvm_gc_collection_seconds");

    // What is not a metric name in a PromQL expression: string literals, label matchers, range and subquery
    // brackets, grouping label lists, functions (a name followed by "("), and keywords.
    static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    static final Pattern MATCHERS_OR_RANGE = Pattern.compile("\\{[^}]*\\}|\\[[^\\]]*\\]");
    static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    static final Pattern NAME = Pattern.compile("(?<![\\w$.:])[a-zA-Z_:][\\w:]*+(?!\\s*\\()");
    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan",
            "by", "without", "on", "ignoring", "group_left", "group_right");

    static final Path ROOT = repositoryRoot();

    @Test
    void alertRulesPassPromtoolCheck() throws Exception {
        promtool("check", "rules", "docs/ops/alerts.yml");
    }

    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        promtool("test", "rules", "docs/ops/alerts.test.yml");
    }

    @Test
    void dashboardQueriesOnlyExposedMetrics() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("docs/ops/grafana-dashboard.json").toFile());
        List<JsonNode> exprs = dashboard.path("panels").findValues("expr");
        assertFalse(exprs.isEmpty(), "no panel of grafana-dashboard.json has a query");
        Set<String> unknown = new TreeSet<>();
        for (JsonNode expr : exprs) {
            Set<String> names = metricNames(expr.asText());
            assertFalse(names.isEmpty(), "no metric name found in " + expr.asText());
            for (String name : names) {
                if (!exposed(name)) {
                    unknown.add(name + "  in  " + expr.asText());
                }
            }
        }
        assertTrue(unknown.isEmpty(), "grafana-dashboard.json queries metrics that the gateway does not expose:\n"
                + String.join("\n", unknown));
    }

    @Test
    void metricNamesAreFoundInPromql() {
        assertEquals(Set.of("http_request_duration_seconds_bucket", "up"), metricNames(
                "histogram_quantile(0.99, sum by (le, path) (rate(http_request_duration_seconds_bucket"
                        + "{path=~\"$path\", code=\"x{y}\"}[$__rate_interval]))) / on (job) group_left up offset 1m"));
        assertEquals(Set.of("process_cpu_seconds_total"), metricNames("rate(process_cpu_seconds_total[1m]) > 1e3"));
    }

    static boolean exposed(String name) {
        return PLAIN.contains(name)
                || HISTOGRAMS.stream().anyMatch(h -> Set.of(h + "_bucket", h + "_count", h + "_sum").contains(name))
                || SUMMARIES.stream().anyMatch(s -> Set.of(s + "_count", s + "_sum").contains(name));
    }

    static Set<String> metricNames(String expr) {
        String rest = STRING.matcher(expr).replaceAll(" ");
        rest = MATCHERS_OR_RANGE.matcher(rest).replaceAll(" ");
        rest = GROUPING.matcher(rest).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(rest);
        while (m.find()) {
            if (!KEYWORDS.contains(m.group().toLowerCase())) {
                names.add(m.group());
            }
        }
        return names;
    }

    /** Runs promtool in the repository root and fails with its output unless it exits 0. */
    static void promtool(String... args) throws Exception {
        if (!onPath("promtool")) {
            fail("promtool is not on PATH: scripts/test installs it (Debian package `prometheus`, through "
                    + "scripts/lib/promtool.sh); by hand: apt-get install --no-install-recommends prometheus");
        }
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("promtool", ".out");
        try {
            // Output goes to a file, not a pipe, so that a promtool that hangs cannot block the read.
            Process process = new ProcessBuilder(command).directory(ROOT.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
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

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** The test runs in gateway-it/; the repository root is the nearest directory above holding docs/ops. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/ops/alerts.yml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no docs/ops/alerts.yml in " + Path.of("").toAbsolutePath() + " or above it");
    }
}
