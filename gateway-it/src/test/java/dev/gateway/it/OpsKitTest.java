package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operations kit in docs/ops: the alerting rules pass promtool's check and their unit tests, and the
 * queries of the rules and the dashboard can be read for their metric names ({@link MetricsTest} checks
 * those against a live {@code /metrics}).
 */
class OpsKitTest {
    // What is not a metric name in a PromQL expression: string literals, label matchers, range and subquery
    // brackets, grouping label lists, functions (a name followed by "("), and keywords.
    static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    static final Pattern MATCHERS_OR_RANGE = Pattern.compile("\\{[^}]*\\}|\\[[^\\]]*\\]");
    static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    static final Pattern NAME = Pattern.compile("(?<![\\w$.:])[a-zA-Z_:][\\w:]*+(?!\\s*\\()");
    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan",
            "by", "without", "on", "ignoring", "group_left", "group_right");

    @Test
    void alertRulesPassPromtoolCheck() throws Exception {
        Promtool.check(null, "check", "rules", "docs/ops/alerts.yml");
    }

    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        Promtool.check(null, "test", "rules", "docs/ops/alerts.test.yml");
    }

    @Test
    void everyPanelAndAlertHasAQueryNamingAMetric() throws Exception {
        List<String> queries = queries();
        assertTrue(queries.size() > 20, "queries found: " + queries.size());
        for (String q : queries) {
            assertFalse(metricNames(q).isEmpty(), "no metric name found in " + q);
        }
    }

    @Test
    void metricNamesAreFoundInPromql() {
        assertEquals(Set.of("http_request_duration_seconds_bucket", "up"), metricNames(
                "histogram_quantile(0.99, sum by (le, path) (rate(http_request_duration_seconds_bucket"
                        + "{path=~\"$path\", code=\"x{y}\"}[$__rate_interval]))) / on (job) group_left up offset 1m"));
        assertEquals(Set.of("process_cpu_seconds_total"), metricNames("rate(process_cpu_seconds_total[1m]) > 1e3"));
    }

    /**
     * Every PromQL query of the ops kit: the dashboard's panels and the alert rules. {@link MetricsTest}
     * checks each metric they name against a live {@code /metrics}.
     */
    static List<String> queries() throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode dashboard = new ObjectMapper().readTree(
                Promtool.ROOT.resolve("docs/ops/grafana-dashboard.json").toFile());
        dashboard.path("panels").findValues("expr").forEach(e -> out.add(e.asText()));
        JsonNode alerts = new ObjectMapper(new YAMLFactory()).readTree(
                Promtool.ROOT.resolve("docs/ops/alerts.yml").toFile());
        alerts.path("groups").findValues("expr").forEach(e -> out.add(e.asText()));
        return out;
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
}
