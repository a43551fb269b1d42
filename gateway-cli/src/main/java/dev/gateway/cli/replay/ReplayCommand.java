package dev.gateway.cli.replay;

import dev.gateway.cli.replay.CredentialsHook.Key;
import dev.gateway.core.capture.CaptureRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code java -jar gateway.jar replay ...}: reads a capture, asks the credentials hook for each caller's
 * headers, replays the capture against targets A and B ({@link Replayer}), compares their answers
 * with the gateway's diff engine under the {@code --header}, {@code --ignore} and {@code --array} rules
 * ({@link DiffComparison}) and writes the report ({@link ReplayReport}). Progress and problems go to
 * standard error, the summary to standard output.
 */
public final class ReplayCommand {
    /** Bad lines named on standard error; the report has up to a hundred, and the count. */
    private static final int SKIPPED_PRINTED = 20;

    private ReplayCommand() {
    }

    /**
     * @param args the arguments after {@code replay}
     * @return the exit status: 0 when the replay ran (whatever it found), 2 on bad arguments (a bad
     *     comparison rule included), 1 when it could not run
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.println(ReplayOptions.USAGE);
            return 0;
        }
        ReplayOptions o;
        try {
            o = ReplayOptions.parse(args);
        } catch (UsageException e) {
            err.println("replay: " + e.getMessage());
            err.println(ReplayOptions.USAGE);
            return 2;
        }
        try {
            return replay(o, out, err, new DiffComparison(o.rules()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("replay: interrupted");
            return 1;
        }
    }

    private static int replay(ReplayOptions o, PrintStream out, PrintStream err, ResponseComparison comparison)
            throws InterruptedException {
        CaptureFile capture;
        try {
            capture = CaptureFile.read(o.capture());
        } catch (IOException e) {
            err.println("replay: cannot read the capture " + o.capture() + ": " + e);
            return 1;
        }
        List<CaptureFile.Skipped> skipped = capture.skipped();
        for (int i = 0; i < Math.min(SKIPPED_PRINTED, skipped.size()); i++) {
            err.println("replay: " + o.capture() + " line " + skipped.get(i).number() + " skipped: "
                    + skipped.get(i).problem());
        }
        if (skipped.size() > SKIPPED_PRINTED) {
            err.println("replay: ... and " + (skipped.size() - SKIPPED_PRINTED) + " more lines skipped (report.json)");
        }
        try {
            Files.createDirectories(o.report());
            if (!Files.isWritable(o.report())) {
                throw new IOException("not writable");
            }
        } catch (IOException e) {
            err.println("replay: cannot write the report to " + o.report() + ": " + e.getMessage());
            return 1;
        }
        Map<Key, CredentialsHook.Result> credentials = credentials(o, capture, err);
        TargetClient client = new TargetClient(o.timeout());
        ReplayReport report = new ReplayReport(o, capture);
        err.println(String.format(Locale.ROOT, "replay: %d records over %.1f s of capture, at speed %s: about %.1f s",
                capture.records().size(), capture.spanNanos() / 1e9, BigDecimal.valueOf(o.speed())
                        .stripTrailingZeros().toPlainString(), capture.spanNanos() / 1e9 / o.speed()));
        long nanos = new Replayer(capture, o, client, credentials, comparison, report::add).run();
        report.finish(nanos, credentials, client.refusedHeaders());
        try {
            report.write(o.report(), secrets(credentials));
        } catch (IOException e) {
            err.println("replay: cannot write the report to " + o.report() + ": " + e);
            return 1;
        }
        out.println(String.format(Locale.ROOT, "replay: %d identical, %d different, %d errors in %.1f s (skipped "
                + "lines: %d); report: %s", report.identical(), report.different(), report.errors(), nanos / 1e9,
                skipped.size(), o.report().resolve("report.md")));
        return 0;
    }

    /** Runs the hook for every target, caller and credential kind the capture holds; none without a hook. */
    private static Map<Key, CredentialsHook.Result> credentials(ReplayOptions o, CaptureFile capture, PrintStream err)
            throws InterruptedException {
        if (o.credentialsHook() == null) {
            return Map.of();
        }
        Set<Key> keys = new LinkedHashSet<>();
        for (String target : List.of("a", "b")) {
            for (CaptureFile.Line l : capture.records()) {
                CaptureRecord r = l.record();
                if (!r.credential().equals(CaptureRecord.NONE)) {
                    keys.add(new Key(target, r.caller(), r.credential()));
                }
            }
        }
        err.println("replay: running the credentials hook " + keys.size() + " times (each target, caller and "
                + "credential kind)");
        CredentialsHook hook = new CredentialsHook(o.credentialsHook(), Map.<String, URI>of("a", o.a(), "b", o.b()),
                CredentialsHook.TIME_LIMIT);
        Map<Key, CredentialsHook.Result> results = hook.resolve(keys, k -> { });
        results.forEach((k, r) -> {
            if (!r.ok()) {
                err.println("replay: the credentials hook failed for target " + k.target() + ", caller " + k.caller()
                        + " (" + k.credential() + "): " + r.problem() + "; that caller's records are not sent");
                if (r.errors() != null && !r.errors().isEmpty()) {
                    r.errors().lines().limit(10).forEach(line -> err.println("replay:   hook: " + line));
                }
            }
        });
        return results;
    }

    /** Every value the hook gave, and each long word of it (a bearer token without its scheme). */
    private static List<String> secrets(Map<Key, CredentialsHook.Result> credentials) {
        List<String> out = new ArrayList<>();
        for (CredentialsHook.Result r : credentials.values()) {
            for (Map.Entry<String, String> h : r.headers()) {
                out.add(h.getValue());
                for (String word : h.getValue().split("\\s+")) {
                    if (word.length() >= 8) {
                        out.add(word);
                    }
                }
            }
        }
        return out;
    }
}
