package dev.gateway.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.diff.DiffRules;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code migration} settings: how the old and the new stack run side by side (the override scope,
 * who may change the split at run time, configuration reload, the difference log, traffic capture and
 * the SLO guard), and the readers of a route's {@code split} and {@code shadow} maps.
 *
 * @param overrideScope the scope a caller needs for {@code X-Gateway-Target} to be honoured
 * @param adminTokens name to bearer token (the bytes) of those who may change things on the admin listener
 * @param watchConfig whether the {@code --config} file is re-read when it changes and on SIGHUP
 */
public record MigrationConfig(String overrideScope, Map<String, byte[]> adminTokens, boolean watchConfig,
        JournalConfig diffLog, CaptureConfig capture, SloGuardConfig sloGuard) {
    /** An admin token shorter than this is refused: it would be guessable. */
    static final int MIN_TOKEN_BYTES = 16;

    public MigrationConfig {
        adminTokens = Collections.unmodifiableMap(new LinkedHashMap<>(adminTokens));
    }

    /**
     * A JSON-lines file, size-capped and rotated.
     *
     * @param path the file, or {@code null} for none
     * @param maxBytes per file
     * @param files how many files are kept, the active one included
     * @param maxBodyBytes of each body kept in a line
     */
    public record JournalConfig(String path, long maxBytes, int files, int maxBodyBytes) {
    }

    /**
     * @param journal where captured requests go; its path is {@code null} when capture is off
     * @param basisPoints share of requests captured, in basis points (10,000 = all)
     */
    public record CaptureConfig(JournalConfig journal, int basisPoints) {
    }

    /**
     * @param minRequests requests a window needs on each side before it is judged
     * @param errorRateMargin how much higher (absolute, 0.02 = 2 points) the canary's error rate may be
     * @param p99Ratio how much higher (relative, 0.5 = 50 %) the canary's p99 may be, plus {@code p99Floor}
     * @param windowsInRow bad windows in a row that trip the guard
     */
    public record SloGuardConfig(boolean enabled, int minRequests, double errorRateMargin, double p99Ratio,
            Duration p99Floor, int windowsInRow) {
    }

    /**
     * A route's split between its {@code upstream} (the canary, the new stack) and {@code stable}.
     *
     * @param stable the upstream callers stay on
     * @param canaryBasisPoints share of callers sent to the canary, in basis points (10,000 = all)
     */
    public record SplitConfig(String stable, int canaryBasisPoints) {
    }

    /**
     * A route's shadow traffic.
     *
     * @param target the upstream a copy goes to
     * @param basisPoints share of requests copied, in basis points
     * @param writes whether POST, PUT, PATCH and DELETE are copied too
     * @param maxBodyBytes larger request bodies are not copied
     * @param maxInFlight copies in flight per route and replica
     * @param timeout how long a copy's answer is awaited
     * @param baselineBasisPoints share of copies also sent again to the stack that answered the caller (noise)
     * @param headers response header names compared, lower case
     * @param ignore body path patterns never reported
     * @param arrays pointer pattern to array mode ({@code ordered}, {@code set}, {@code key:FIELD})
     */
    public record ShadowConfig(String target, int basisPoints, boolean writes, long maxBodyBytes, int maxInFlight,
            Duration timeout, int baselineBasisPoints, List<String> headers, List<String> ignore,
            Map<String, String> arrays) {
        public ShadowConfig {
            headers = List.copyOf(headers);
            ignore = List.copyOf(ignore);
            arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
        }

        /** The same settings with another share of requests copied. */
        public ShadowConfig withShare(int otherBasisPoints) {
            return new ShadowConfig(target, otherBasisPoints, writes, maxBodyBytes, maxInFlight, timeout,
                    baselineBasisPoints, headers, ignore, arrays);
        }
    }

    static MigrationConfig read(ConfigReader r) {
        String scope = r.requiredString("overrideScope");
        Map<String, byte[]> tokens = new LinkedHashMap<>();
        ConfigReader tokenMap = r.child("adminTokens");
        r.stringEntries("adminTokens").forEach((name, value) -> tokens.put(name,
                AuthConfig.secret(tokenMap, name, value, MIN_TOKEN_BYTES, "an admin token")));
        boolean watch = r.bool("watchConfig");
        JournalConfig diffLog = journal(r.child("diffLog"));
        ConfigReader c = r.child("capture");
        int captured = basisPoints(c, "percent"); // (read before the journal's settings refuse unknown keys)
        CaptureConfig capture = new CaptureConfig(journal(c), captured);
        ConfigReader g = r.child("sloGuard");
        SloGuardConfig guard = new SloGuardConfig(g.bool("enabled"), g.integer("minRequests", 1, 100_000_000),
                g.decimal("errorRateMargin", 0, 1), g.decimal("p99Ratio", 0, 1000), g.durationOrZero("p99Floor"),
                g.integer("windowsInRow", 1, 1000));
        g.rejectUnknownKeys();
        r.rejectUnknownKeys();
        return new MigrationConfig(scope, tokens, watch, diffLog, capture, guard);
    }

    private static JournalConfig journal(ConfigReader r) {
        String path = r.string("path");
        JournalConfig j = new JournalConfig(path.isBlank() ? null : path, r.bytes("maxSize"),
                r.integer("files", 1, 100), (int) Math.min(r.bytes("maxBodyBytes"), Integer.MAX_VALUE));
        if (j.maxBytes() < 4096) {
            throw r.error("maxSize", "must be at least 4KiB");
        }
        r.rejectUnknownKeys();
        return j;
    }

    /** A setting the user gives, without a default by design (a split's weight, a shadow's share). */
    private static void required(ConfigReader r, String key) {
        if (!r.has(key)) {
            throw r.error(key, "is required");
        }
    }

    /** A share given in percent (0 to 100, two decimals), as basis points. */
    static int basisPoints(ConfigReader r, String key) {
        return (int) Math.round(r.decimal(key, 0, 100) * 100);
    }

    /** A route's {@code split} map, or {@code null} when it has none. */
    static SplitConfig split(ConfigReader route) {
        if (!route.has("split")) {
            route.child("split"); // (marks the key as known)
            return null;
        }
        ConfigReader s = route.child("split");
        required(s, "canaryWeight");
        SplitConfig c = new SplitConfig(s.requiredString("stable"), basisPoints(s, "canaryWeight"));
        s.rejectUnknownKeys();
        return c;
    }

    /** A route's {@code shadow} map over the {@code shadowDefaults} template, or {@code null} when it has none. */
    static ShadowConfig shadow(ConfigReader route, ObjectNode template) {
        if (!route.has("shadow")) {
            route.child("shadow");
            return null;
        }
        return shadowFrom(route.merged("shadow", template));
    }

    /** Reads a shadow map whose template was merged in (also used to check the template on its own path). */
    static ShadowConfig shadowFrom(ConfigReader s) {
        required(s, "percent");
        ShadowConfig c = new ShadowConfig(s.requiredString("target"), basisPoints(s, "percent"), s.bool("writes"),
                s.bytes("maxBody"), s.integer("maxInFlight", 1, 1_000_000), s.duration("timeout"),
                basisPoints(s, "baselinePercent"),
                s.strings("headers").stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList(),
                s.strings("ignore"), s.stringEntries("arrays"));
        s.rejectUnknownKeys();
        // Checked now, not at the first comparison; item by item, so the error names the entry, not its text.
        for (int i = 0; i < c.headers().size(); i++) {
            diffRule(s.path() + ".headers[" + i + "]", List.of(c.headers().get(i)), List.of(), Map.of());
        }
        for (int i = 0; i < c.ignore().size(); i++) {
            diffRule(s.path() + ".ignore[" + i + "]", List.of(), List.of(c.ignore().get(i)), Map.of());
        }
        c.arrays().forEach((pattern, mode) -> diffRule(s.path() + ".arrays." + pattern, List.of(), List.of(),
                Map.of(pattern, mode)));
        return c;
    }

    /** One entry of a shadow's comparison rules, refused with its setting and the rule it breaks. */
    private static void diffRule(String setting, List<String> headers, List<String> ignore, Map<String, String> arrays) {
        try {
            DiffRules.of(headers, ignore, arrays);
        } catch (IllegalArgumentException e) {
            // DiffRules quotes the entry, then says why; the why (its cause's message, when it has one) is kept.
            String why = e.getCause() != null ? e.getCause().getMessage()
                    : !headers.isEmpty() ? "a header name is a non-empty token (RFC 9110 §5.1)" : "not a valid entry";
            throw ConfigException.ofSetting(setting, "is refused: " + why);
        }
    }
}
