package dev.gateway.cli.replay;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.cli.replay.CredentialsHook.Key;
import dev.gateway.cli.replay.Replayer.Replayed;
import dev.gateway.cli.replay.ResponseComparison.Difference;
import dev.gateway.core.capture.CaptureRecord;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a replay found, counted as records finish (on the dispatcher thread), then written as
 * {@code report.json} (for machines) and {@code report.md} (for people). No credential reaches either: the
 * hook's headers are never written, and any of their values that an answer echoed is replaced by
 * {@code [credential]} in both files.
 */
final class ReplayReport {
    /** Differing and failed exchanges kept as samples, each: the first in capture order. */
    static final int SAMPLES = 20;
    private static final int VALUE_CHARS = 1_000;
    private static final int SAMPLES_SHOWN = 10;
    /** Differences of one exchange shown in report.md. */
    private static final int DIFFERENCES_SHOWN = 10;
    /** Characters of one operation's JSON text shown in report.md. */
    private static final int OPERATION_CHARS = 400;
    private static final int SKIPPED_SHOWN = 100;
    private static final String NO_ROUTE = "(no route)";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Reads a difference's values back as the engine parsed them: decimals exact. */
    private static final ObjectMapper VALUES = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private final ReplayOptions options;
    private final CaptureFile capture;
    private final Instant started = Instant.now();
    private long replayed;
    private long identical;
    private long different;
    private long errors;
    private long truncatedBodies;
    private long waitedForCaller;
    private final Map<String, long[]> routes = new TreeMap<>(); // identical, different, errors
    private final Map<List<String>, Long> paths = new HashMap<>(); // [kind, path]
    private final Samples latencyA = new Samples();
    private final Samples latencyB = new Samples();
    private final Samples lateness = new Samples();
    private final Map<String, Long> errorsA = new HashMap<>();
    private final Map<String, Long> errorsB = new HashMap<>();
    private final Map<String, Long> notSent = new HashMap<>();
    private final TreeMap<Integer, ObjectNode> samples = new TreeMap<>(); // by capture order
    private final TreeMap<Integer, ObjectNode> errorSamples = new TreeMap<>();
    private long durationNanos;
    private Map<Key, CredentialsHook.Result> hook = Map.of();
    private Map<String, Long> refusedHeaders = Map.of();

    ReplayReport(ReplayOptions options, CaptureFile capture) {
        this.options = options;
        this.capture = capture;
    }

    void add(Replayed r) {
        replayed++;
        CaptureRecord c = r.record;
        if (c.bodyTruncated()) {
            truncatedBodies++;
        }
        if (r.waitedForCaller) {
            waitedForCaller++;
        }
        lateness.add(r.latenessNanos());
        long[] route = routes.computeIfAbsent(c.route() == null ? NO_ROUTE : c.route(), k -> new long[3]);
        if (r.notSent != null) {
            notSent.merge(r.notSent, 1L, Long::sum);
        } else {
            outcome(r.a, latencyA, errorsA);
            outcome(r.b, latencyB, errorsB);
        }
        if (!r.answered()) {
            errors++;
            route[2]++;
            if (keeps(errorSamples, r.order)) {
                ObjectNode s = exchange(r);
                s.put("error", r.notSent != null ? r.notSent : r.comparisonFailed != null
                        ? "comparison failed: " + r.comparisonFailed : null);
                s.put("aError", r.a == null ? null : r.a.error());
                s.put("bError", r.b == null ? null : r.b.error());
                keep(errorSamples, r.order, s);
            }
        } else if (r.differences.isEmpty()) {
            identical++;
            route[0]++;
        } else {
            different++;
            route[1]++;
            Set<List<String>> fields = new HashSet<>();
            for (Difference d : r.differences) {
                fields.add(List.of(d.kind().label(), d.field()));
            }
            fields.forEach(f -> paths.merge(f, 1L, Long::sum)); // a record counts once per field
            if (keeps(samples, r.order)) {
                ObjectNode s = exchange(r);
                s.put("aStatus", r.a.response().status());
                s.put("bStatus", r.b.response().status());
                s.put("differenceCount", r.differences.size());
                ArrayNode ds = s.putArray("differences");
                for (Difference d : r.differences) {
                    ds.add(operation(d));
                }
                keep(samples, r.order, s);
            }
        }
    }

    /** After the replay: its duration, the hook's results and the headers the client refused. */
    void finish(long durationNanos, Map<Key, CredentialsHook.Result> hook, Map<String, Long> refusedHeaders) {
        this.durationNanos = durationNanos;
        this.hook = hook;
        this.refusedHeaders = refusedHeaders;
    }

    long identical() {
        return identical;
    }

    long different() {
        return different;
    }

    long errors() {
        return errors;
    }

    ObjectNode json() {
        ObjectNode o = JSON.createObjectNode();
        o.put("capture", options.capture().toString());
        o.put("a", shown(options.a()));
        o.put("b", shown(options.b()));
        ObjectNode settings = o.putObject("settings");
        settings.put("speed", options.speed());
        if (options.rate() > 0) {
            settings.put("ratePerSecond", options.rate());
        } else {
            settings.putNull("ratePerSecond");
        }
        settings.put("concurrency", options.concurrency());
        settings.put("timeoutMillis", options.timeout().toMillis());
        settings.put("credentialsHook", options.credentialsHook() != null); // the command may hold a secret
        options.headers().forEach(settings.putArray("headers")::add);
        options.ignore().forEach(settings.putArray("ignore")::add);
        options.arrays().forEach(settings.putObject("arrays")::put);
        o.put("started", started.toString());
        o.put("durationSeconds", seconds(durationNanos));
        o.put("captureSpanSeconds", seconds(capture.spanNanos()));
        o.put("scheduledSpanSeconds", seconds((long) (capture.spanNanos() / options.speed())));
        ObjectNode totals = o.putObject("totals");
        totals.put("records", capture.records().size());
        totals.put("skippedLines", capture.skipped().size());
        totals.put("replayed", replayed);
        totals.put("identical", identical);
        totals.put("different", different);
        totals.put("errors", errors);
        totals.put("truncatedBodies", truncatedBodies);
        ArrayNode skipped = o.putArray("skippedLines");
        capture.skipped().stream().limit(SKIPPED_SHOWN).forEach(s -> skipped.addObject().put("line", s.number())
                .put("problem", s.problem()));
        ArrayNode rs = o.putArray("routes");
        routes.forEach((route, n) -> rs.addObject().put("route", route).put("records", n[0] + n[1] + n[2])
                .put("identical", n[0]).put("different", n[1]).put("errors", n[2]));
        ArrayNode ds = o.putArray("differences");
        for (Map.Entry<List<String>, Long> e : topPaths()) {
            ds.addObject().put("kind", e.getKey().get(0)).put("path", e.getKey().get(1)).put("count", e.getValue());
        }
        ObjectNode latency = o.putObject("latency");
        latency(latency.putObject("a"), latencyA, errorsA);
        latency(latency.putObject("b"), latencyB, errorsB);
        ObjectNode late = o.putObject("lateness");
        late.put("p50Ms", millis(lateness.percentile(0.5)));
        late.put("p99Ms", millis(lateness.percentile(0.99)));
        late.put("maxMs", millis(lateness.percentile(1)));
        late.put("over10Ms", lateness.countOver(10_000_000));
        late.put("waitedForCaller", waitedForCaller);
        ObjectNode errs = o.putObject("errors");
        counts(errs.putArray("a"), errorsA, "error");
        counts(errs.putArray("b"), errorsB, "error");
        counts(errs.putArray("notSent"), notSent, "reason");
        ObjectNode h = o.putObject("credentialsHook");
        h.put("runs", hook.size());
        ArrayNode failures = h.putArray("failures");
        hook.forEach((k, v) -> {
            if (!v.ok()) {
                failures.addObject().put("target", k.target()).put("caller", k.caller())
                        .put("credential", k.credential()).put("problem", v.problem());
            }
        });
        ObjectNode refused = o.putObject("refusedHeaders");
        refusedHeaders.forEach(refused::put);
        o.putArray("samples").addAll(samples.values());
        o.putArray("errorSamples").addAll(errorSamples.values());
        return o;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Replay report\n\n");
        md.append("Capture `").append(options.capture()).append("` replayed against A `").append(shown(options.a()))
                .append("` and B `").append(shown(options.b())).append("`, started ").append(started).append(".\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "records replayed", replayed + " of " + capture.records().size());
        row(md, "identical", Long.toString(identical));
        row(md, "different", Long.toString(different));
        row(md, "errors", Long.toString(errors));
        row(md, "skipped lines", Long.toString(capture.skipped().size()));
        row(md, "truncated bodies sent", Long.toString(truncatedBodies));
        row(md, "duration", String.format(Locale.ROOT, "%.3f s (capture span %.3f s; at speed %s scheduled over %.3f s)",
                seconds(durationNanos), seconds(capture.spanNanos()), plain(options.speed()),
                seconds((long) (capture.spanNanos() / options.speed()))));
        row(md, "bounds", (options.rate() > 0 ? plain(options.rate()) + " records/s" : "no rate bound") + ", "
                + options.concurrency() + " in flight");
        row(md, "lateness p50 / p99 / max", String.format(Locale.ROOT, "%.1f / %.1f / %.1f ms (%d records waited for "
                + "their caller's previous one, %d were over 10 ms late)", millis(lateness.percentile(0.5)),
                millis(lateness.percentile(0.99)), millis(lateness.percentile(1)), waitedForCaller,
                lateness.countOver(10_000_000)));
        row(md, "latency A p50 / p99", String.format(Locale.ROOT, "%.1f / %.1f ms", millis(latencyA.percentile(0.5)),
                millis(latencyA.percentile(0.99))));
        row(md, "latency B p50 / p99", String.format(Locale.ROOT, "%.1f / %.1f ms", millis(latencyB.percentile(0.5)),
                millis(latencyB.percentile(0.99))));
        md.append("\n## Routes\n\n| route | records | identical | different | errors |\n|---|---:|---:|---:|---:|\n");
        routes.forEach((route, n) -> md.append("| `").append(route).append("` | ").append(n[0] + n[1] + n[2])
                .append(" | ").append(n[0]).append(" | ").append(n[1]).append(" | ").append(n[2]).append(" |\n"));
        md.append("\n## Top differing paths\n\n");
        List<Map.Entry<List<String>, Long>> top = topPaths();
        if (top.isEmpty()) {
            md.append("None: every answered record got the same answer from A and B.\n");
        } else {
            md.append("Array indices are shown as `*`; a record counts once per path, however many elements differ "
                    + "in it. A body path here (but `\"\"`) is also an `--ignore` pattern that silences it.\n\n");
            md.append("| kind | path | records |\n|---|---|---:|\n");
            top.stream().limit(20).forEach(e -> md.append("| ").append(e.getKey().get(0)).append(" | ")
                    .append(pointer(e.getKey().get(1))).append(" | ").append(e.getValue()).append(" |\n"));
        }
        if (errors > 0) {
            md.append("\n## Errors\n\n| target | error | records |\n|---|---|---:|\n");
            errorRows(md, "A", errorsA);
            errorRows(md, "B", errorsB);
            errorRows(md, "neither (not sent)", notSent);
        }
        List<Map.Entry<Key, CredentialsHook.Result>> failed = hook.entrySet().stream().filter(e -> !e.getValue().ok())
                .toList();
        if (!failed.isEmpty()) {
            md.append("\n## Credentials hook failures\n\n| target | caller | credential | problem |\n|---|---|---|---|\n");
            failed.forEach(e -> md.append("| ").append(e.getKey().target()).append(" | `").append(e.getKey().caller())
                    .append("` | ").append(e.getKey().credential()).append(" | ").append(cell(e.getValue().problem()))
                    .append(" |\n"));
        }
        if (!capture.skipped().isEmpty()) {
            md.append("\n## Skipped lines\n\n| line | problem |\n|---:|---|\n");
            capture.skipped().stream().limit(SKIPPED_SHOWN).forEach(s -> md.append("| ").append(s.number())
                    .append(" | ").append(cell(s.problem())).append(" |\n"));
        }
        if (!samples.isEmpty()) {
            int shown = Math.min(SAMPLES_SHOWN, samples.size());
            md.append("\n## Differing exchanges (the first ").append(shown).append("; report.json has ")
                    .append(samples.size()).append(")\n\nEach difference is the RFC 6902 operation that turns A's "
                    + "answer into B's (`was`: A's value); `/status` and `/headers/NAME` address the answer, other "
                    + "paths its body.\n\n");
            for (JsonNode s : samples.values().stream().limit(shown).toList()) {
                md.append("- `").append(s.get("method").textValue()).append(' ')
                        .append(s.get("target").textValue()).append("` (request ").append(s.get("requestId").textValue())
                        .append(", caller ").append(s.get("caller").textValue()).append(")\n");
                JsonNode ds = s.get("differences");
                for (int i = 0; i < Math.min(DIFFERENCES_SHOWN, ds.size()); i++) {
                    ObjectNode op = ds.get(i).deepCopy();
                    String kind = op.remove("kind").textValue();
                    md.append("  - ").append(kind).append(' ').append(code(op)).append('\n');
                }
                if (ds.size() > DIFFERENCES_SHOWN) {
                    md.append("  - and ").append(ds.size() - DIFFERENCES_SHOWN).append(" more (report.json)\n");
                }
            }
        }
        return md.toString();
    }

    /**
     * Writes {@code report.json} and {@code report.md} into {@code dir}.
     *
     * @param secrets values that must not appear (the hook's header values)
     */
    void write(Path dir, Collection<String> secrets) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"), redact(JSON.writeValueAsString(json()) + "\n", secrets),
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.md"), redact(markdown(), secrets), StandardCharsets.UTF_8);
    }

    /** Replaces each secret, as it is and as JSON escapes it, by {@code [credential]}. */
    static String redact(String text, Collection<String> secrets) {
        List<String> longestFirst = new ArrayList<>(secrets);
        longestFirst.sort(Comparator.comparingInt(String::length).reversed());
        for (String s : longestFirst) {
            if (s.length() >= 4) {
                text = text.replace(s, "[credential]");
                text = text.replace(new String(JsonStringEncoder.getInstance().quoteAsString(s)), "[credential]");
            }
        }
        return text;
    }

    private void outcome(TargetClient.Outcome o, Samples latency, Map<String, Long> errors) {
        if (o.ok()) {
            latency.add(o.nanos());
        } else {
            errors.merge(cap(o.error(), 200), 1L, Long::sum);
        }
    }

    /** Whether a record in capture place {@code order} is among the first {@link #SAMPLES} seen so far. */
    private static boolean keeps(TreeMap<Integer, ObjectNode> kept, int order) {
        return kept.size() < SAMPLES || order < kept.lastKey();
    }

    private static void keep(TreeMap<Integer, ObjectNode> kept, int order, ObjectNode sample) {
        kept.put(order, sample);
        if (kept.size() > SAMPLES) {
            kept.pollLastEntry();
        }
    }

    private ObjectNode exchange(Replayed r) {
        CaptureRecord c = r.record;
        ObjectNode s = JSON.createObjectNode();
        s.put("requestId", c.requestId());
        s.put("caller", c.caller());
        s.put("route", c.route());
        s.put("method", c.method());
        s.put("target", c.target());
        s.put("capturedStatus", c.status());
        return s;
    }

    private List<Map.Entry<List<String>, Long>> topPaths() {
        List<Map.Entry<List<String>, Long>> top = new ArrayList<>(paths.entrySet());
        top.sort(Map.Entry.<List<String>, Long>comparingByValue().reversed()
                .thenComparing(e -> e.getKey().get(0) + " " + e.getKey().get(1)));
        return top;
    }

    private static void latency(ObjectNode o, Samples s, Map<String, Long> errors) {
        o.put("answered", s.size());
        o.put("p50Ms", millis(s.percentile(0.5)));
        o.put("p99Ms", millis(s.percentile(0.99)));
        o.put("errors", errors.values().stream().mapToLong(Long::longValue).sum());
    }

    private static void counts(ArrayNode a, Map<String, Long> counts, String field) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(20)
                .forEach(e -> a.addObject().put(field, e.getKey()).put("count", e.getValue()));
    }

    private static void errorRows(StringBuilder md, String target, Map<String, Long> counts) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
                .forEach(e -> md.append("| ").append(target).append(" | ").append(cell(e.getKey())).append(" | ")
                        .append(e.getValue()).append(" |\n"));
    }

    private static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace('\n', ' ');
    }

    /**
     * A difference as its RFC 6902 operation, with the report's {@code kind} first: {@code kind}, {@code op},
     * {@code path}, {@code value} (B's; not for a remove), {@code was} (A's; not for an add). A value whose
     * JSON text is longer than {@link #VALUE_CHARS} is written as the beginning of that text, a string, with
     * {@code valueCut} or {@code wasCut} set to {@code true}.
     */
    private static ObjectNode operation(Difference d) {
        ObjectNode op = JSON.createObjectNode();
        op.put("kind", d.kind().label());
        op.put("op", d.op());
        op.put("path", d.path());
        if (d.b() != null) {
            value(op, "value", d.b());
        }
        if (d.a() != null) {
            value(op, "was", d.a());
        }
        return op;
    }

    private static void value(ObjectNode op, String name, String json) {
        if (json.length() <= VALUE_CHARS) {
            try {
                op.set(name, VALUES.readTree(json));
            } catch (IOException e) {
                op.put(name, json); // not JSON text: as it is
            }
        } else {
            op.put(name, cap(json));
            op.put(name + "Cut", true);
        }
    }

    /** A pointer as Markdown code; the empty one (the whole body) as {@code ""}. */
    private static String pointer(String path) {
        return path.isEmpty() ? "`\"\"` (the whole body)" : code(path, 200);
    }

    /** A JSON value as Markdown code in a list item (outside a table, so {@code |} stays as it is). */
    private static String code(JsonNode node) {
        return "`` " + cap(node.toString(), OPERATION_CHARS) + " ``"; // compact JSON text has no line break
    }

    /** Text as Markdown code in a table cell. */
    private static String code(String s, int max) {
        String v = cap(s, max).replace('\n', ' ').replace("|", "\\|");
        return v.isEmpty() ? "(empty)" : "`` " + v + " ``";
    }

    private static String cap(String s) {
        return cap(s, VALUE_CHARS);
    }

    private static String cap(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "… (" + s.length() + " chars)";
    }

    /** A URL without user information, should it carry any. */
    private static String shown(URI u) {
        if (u.getRawUserInfo() == null) {
            return u.toString();
        }
        try {
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return u.getScheme() + "://" + u.getHost();
        }
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1e3;
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1e4) / 1e2;
    }

    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** Durations in nanoseconds, for exact percentiles (the nearest rank). */
    private static final class Samples {
        private long[] values = new long[64];
        private int size;
        private boolean sorted = true;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
            sorted = false;
        }

        int size() {
            return size;
        }

        long percentile(double q) {
            if (size == 0) {
                return 0;
            }
            sort();
            return values[(int) Math.max(0, Math.ceil(q * size) - 1)];
        }

        long countOver(long limit) {
            long n = 0;
            for (int i = 0; i < size; i++) {
                if (values[i] > limit) {
                    n++;
                }
            }
            return n;
        }

        private void sort() {
            if (!sorted) {
                Arrays.sort(values, 0, size);
                sorted = true;
            }
        }
    }
}
