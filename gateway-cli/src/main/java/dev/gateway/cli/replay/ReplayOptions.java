package dev.gateway.cli.replay;

import dev.gateway.core.config.Units;
import dev.gateway.core.diff.DiffRules;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code replay} subcommand's arguments.
 *
 * @param rate records started per second at most, both targets' copies counting once; {@code 0}: no bound
 * @param credentialsHook the shell command that prints a caller's credential headers, or {@code null}
 * @param headers the response headers compared, lower case ({@code --header}; {@code content-type} when none)
 * @param ignore body places never reported ({@code --ignore}), as given
 * @param arrays array pattern to mode ({@code --array}), in the order given
 */
record ReplayOptions(Path capture, URI a, URI b, double speed, double rate, int concurrency, String credentialsHook,
        Path report, Duration timeout, List<String> headers, List<String> ignore, Map<String, String> arrays) {

    /** The headers compared when no {@code --header} is given, as in the gateway's {@code shadowDefaults}. */
    static final List<String> DEFAULT_HEADERS = List.of("content-type");

    static final String USAGE = String.join("\n",
            "usage: java -jar gateway.jar replay --capture FILE --a URL --b URL [--speed 1.0] [--rate N/s]",
            "           [--concurrency 64] [--credentials-hook CMD] [--report DIR] [--timeout 10s]",
            "           [--header NAME]... [--ignore PATTERN]... [--array PATTERN=MODE]...",
            "",
            "Sends every request of a capture (JSON lines) to both targets A and B, at the capture's pace",
            "divided by --speed, keeping each caller's order, and compares the two answers with the diff",
            "engine of the gateway's shadow traffic: the status, the headers named, JSON bodies member by",
            "member (other bodies byte for byte). Differences are RFC 6902 operations turning A's answer into",
            "B's, at RFC 6901 pointers (/status, /headers/etag, /items/0/qty).",
            "  --capture FILE          the capture to replay",
            "  --a URL, --b URL        the two targets' base URLs (http or https); a record's target is appended",
            "  --speed X               2 replays a minute of capture in 30 s (default 1)",
            "  --rate N/s              at most N records started per second (default: no bound)",
            "  --concurrency N         at most N records in flight (default 64)",
            "  --credentials-hook CMD  run with sh -c once per target, caller and credential kind, with",
            "                          REPLAY_TARGET (a or b), REPLAY_TARGET_URL, REPLAY_CALLER and",
            "                          REPLAY_CREDENTIAL; prints 'Name: value' header lines for that",
            "                          caller's requests on that target (default: no credentials)",
            "  --report DIR            where report.json and report.md go (default target/replay-report)",
            "  --timeout D             per request, such as 500ms or 10s (default 10s)",
            "  --header NAME           a response header to compare; repeatable (default: content-type; any",
            "                          --header replaces it). The status is always compared",
            "  --ignore PATTERN        a body place never reported: an RFC 6901 pointer whose segment * is any",
            "                          one segment and ** any number of them (/**/traceId, /items/*/updatedAt);",
            "                          repeatable",
            "  --array PATTERN=MODE    how arrays at places PATTERN matches are compared: ordered (by position,",
            "                          the default), set (order ignored) or key:FIELD (elements paired by",
            "                          their member FIELD, as in /items=key:id); repeatable, the first match wins",
            "Exit status: 0 when the replay ran (differences included), 2 on bad arguments, 1 when it could",
            "not run. docs/ops/capture-and-replay.md has the capture format and an example.");

    /** @throws UsageException naming the argument at fault */
    static ReplayOptions parse(String[] args) {
        Path capture = null;
        URI a = null;
        URI b = null;
        double speed = 1;
        double rate = 0;
        int concurrency = 64;
        String hook = null;
        Path report = Path.of("target", "replay-report");
        Duration timeout = Duration.ofSeconds(10);
        List<String> headers = new ArrayList<>();
        List<String> ignore = new ArrayList<>();
        Map<String, String> arrays = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--capture" -> capture = Path.of(value(args, ++i, flag));
                case "--a" -> a = target(value(args, ++i, flag), flag);
                case "--b" -> b = target(value(args, ++i, flag), flag);
                case "--speed" -> speed = positive(value(args, ++i, flag), flag);
                case "--rate" -> {
                    String v = value(args, ++i, flag);
                    rate = positive(v.toLowerCase(Locale.ROOT).endsWith("/s") ? v.substring(0, v.length() - 2) : v,
                            flag);
                }
                case "--concurrency" -> concurrency = (int) Math.min(100_000, whole(value(args, ++i, flag), flag));
                case "--credentials-hook" -> {
                    hook = value(args, ++i, flag);
                    if (hook.isBlank()) {
                        throw new UsageException(flag + ": an empty command");
                    }
                }
                case "--report" -> report = Path.of(value(args, ++i, flag));
                case "--timeout" -> {
                    try {
                        timeout = Units.parseDuration(value(args, ++i, flag));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(flag + ": " + e.getMessage());
                    }
                    if (timeout.isZero()) {
                        throw new UsageException(flag + ": must be more than 0");
                    }
                }
                case "--header" -> headers.add(header(value(args, ++i, flag), flag));
                case "--ignore" -> ignore.add(ignore(value(args, ++i, flag), flag));
                case "--array" -> array(value(args, ++i, flag), flag, arrays);
                default -> throw new UsageException("unknown argument '" + flag + "'");
            }
        }
        if (capture == null) {
            throw new UsageException("--capture FILE is required");
        }
        if (a == null || b == null) {
            throw new UsageException("both --a URL and --b URL are required");
        }
        return new ReplayOptions(capture, a, b, speed, rate, concurrency, hook, report, timeout,
                headers.isEmpty() ? DEFAULT_HEADERS : List.copyOf(headers), List.copyOf(ignore),
                Collections.unmodifiableMap(arrays));
    }

    /** The comparison rules; {@link #parse} checked each of them. */
    DiffRules rules() {
        return DiffRules.of(headers, ignore, arrays);
    }

    /** A header name as the diff engine takes it, lower case. */
    private static String header(String name, String flag) {
        try {
            DiffRules.of(List.of(name), List.of(), Map.of());
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag + " '" + name + "': " + problem(e, "headers[0] '" + name + "'"));
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static String ignore(String pattern, String flag) {
        try {
            DiffRules.of(List.of(), List.of(pattern), Map.of());
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag + " '" + pattern + "': " + problem(e, "ignore[0] '" + pattern + "'"));
        }
        return pattern;
    }

    /**
     * {@code PATTERN=MODE}, split at the last {@code =} (a member name in the pattern may hold one; the
     * modes do not).
     */
    private static void array(String rule, String flag, Map<String, String> arrays) {
        int eq = rule.lastIndexOf('=');
        if (eq < 0) {
            throw new UsageException(flag + " '" + rule + "': expected PATTERN=MODE, such as /items=key:id, "
                    + "where MODE is ordered, set or key:FIELD");
        }
        String pattern = rule.substring(0, eq);
        String mode = rule.substring(eq + 1);
        try {
            DiffRules.of(List.of(), List.of(), Map.of(pattern, mode));
        } catch (IllegalArgumentException e) {
            String problem = problem(e, "arrays '" + pattern + "'");
            // the engine names the pattern only when the pattern is at fault, the mode when the mode is
            throw new UsageException(flag + " '" + rule + "': "
                    + (problem.startsWith("mode ") ? problem : "pattern '" + pattern + "': " + problem));
        }
        if (arrays.putIfAbsent(pattern, mode) != null) {
            throw new UsageException(flag + " '" + rule + "': the pattern '" + pattern + "' already has a mode ('"
                    + arrays.get(pattern) + "')");
        }
    }

    /** The engine's message without its own naming of the entry, which the flag's name and value replace. */
    private static String problem(IllegalArgumentException e, String entry) {
        String m = String.valueOf(e.getMessage());
        if (!m.startsWith(entry)) {
            return m;
        }
        String rest = m.substring(entry.length());
        return rest.startsWith(": ") ? rest.substring(2) : rest.strip();
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    private static double positive(String s, String flag) {
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": not a number: '" + s + "'");
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new UsageException(flag + ": must be more than 0, got '" + s + "'");
        }
        return v;
    }

    private static long whole(String s, String flag) {
        try {
            long v = Long.parseLong(s);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(flag + ": expected a whole number of at least 1, got '" + s + "'");
    }

    /** A base URL: http or https, a host, no query or fragment; a trailing slash is dropped. */
    private static URI target(String s, String flag) {
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw new UsageException(flag + ": not a URL: '" + s + "'");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
            throw new UsageException(flag + ": expected an http or https URL such as http://127.0.0.1:8080, got '"
                    + s + "'");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new UsageException(flag + ": a base URL takes no query or fragment: '" + s + "'");
        }
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }
}
