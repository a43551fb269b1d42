package dev.gateway.cli.replay;

import dev.gateway.core.config.Units;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code replay} subcommand's arguments.
 *
 * @param rate records started per second at most, both targets' copies counting once; {@code 0}: no bound
 * @param credentialsHook the shell command that prints a caller's credential headers, or {@code null}
 */
record ReplayOptions(Path capture, URI a, URI b, double speed, double rate, int concurrency, String credentialsHook,
        Path report, Duration timeout) {

    static final String USAGE = String.join("\n",
            "usage: java -jar gateway.jar replay --capture FILE --a URL --b URL [--speed 1.0] [--rate N/s]",
            "           [--concurrency 64] [--credentials-hook CMD] [--report DIR] [--timeout 10s]",
            "",
            "Sends every request of a capture (JSON lines) to both targets A and B, at the capture's pace",
            "divided by --speed, keeping each caller's order, and compares the two answers.",
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
                default -> throw new UsageException("unknown argument '" + flag + "'");
            }
        }
        if (capture == null) {
            throw new UsageException("--capture FILE is required");
        }
        if (a == null || b == null) {
            throw new UsageException("both --a URL and --b URL are required");
        }
        return new ReplayOptions(capture, a, b, speed, rate, concurrency, hook, report, timeout);
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
