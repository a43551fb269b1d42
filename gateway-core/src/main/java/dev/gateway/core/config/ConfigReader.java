package dev.gateway.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads one object of the configuration tree strictly: every key must be known (a typo is an error,
 * not a silently ignored setting), every value must have the right type, and errors name the full
 * dotted path of the setting, never its value (a configuration holds secrets). There are no default
 * values here: every setting must be in the tree (gateway-defaults.yaml gives them all), except those read
 * through {@link #has} or {@link #optional}, whose absence means something. Range checks stay here: they
 * are validation, not defaults.
 */
final class ConfigReader {
    private final JsonNode node;
    private final String path;
    private final Set<String> read = new LinkedHashSet<>();

    ConfigReader(JsonNode node, String path) {
        if (!node.isMissingNode() && !node.isNull() && !node.isObject()) {
            throw ConfigException.ofSetting(path, "expected a map of settings");
        }
        this.node = node;
        this.path = path;
    }

    ConfigReader child(String key) {
        return new ConfigReader(value(key), qualified(key));
    }

    /** Whether the key has a value here; for settings that are optional by design (operation overrides). */
    boolean has(String key) {
        JsonNode v = value(key);
        return !v.isMissingNode() && !v.isNull();
    }

    /** The setting read with {@code read} when it has a value, else empty: absence is a meaning, not a default. */
    <T> Optional<T> optional(String key, Function<String, T> read) {
        return has(key) ? Optional.of(read.apply(key)) : Optional.empty();
    }

    /**
     * A template: a map merged under every entry of a map or list ({@code upstreamDefaults}), so that
     * entries whose names the user chooses get every setting from the defaults file.
     */
    ObjectNode template(String key) {
        JsonNode t = present(key);
        if (!t.isObject()) {
            throw ConfigException.ofSetting(qualified(key), "expected a map of settings");
        }
        return (ObjectNode) t;
    }

    /** A map of settings merged over {@code template} first (its own keys win): a route's {@code shadow}. */
    ConfigReader merged(String key, ObjectNode template) {
        return new ConfigReader(overTemplate(template, value(key)), qualified(key));
    }

    /**
     * A map whose keys are names chosen by the user (operations, rate limits, API keys); it may be empty,
     * or {@code ~} for none.
     */
    Map<String, ConfigReader> entries(String key) {
        return entries(key, null);
    }

    /** The same, each entry merged over {@code template} first (the entry's own keys win). */
    Map<String, ConfigReader> entries(String key, ObjectNode template) {
        return entries(key, template, Set.of());
    }

    /**
     * The same, without the names in {@code settings}: keys of that map that are settings read on their own
     * ({@code rateLimits.store}), not entries.
     */
    Map<String, ConfigReader> entries(String key, ObjectNode template, Set<String> settings) {
        Map<String, ConfigReader> out = new LinkedHashMap<>();
        namedValues(key).forEach((name, value) -> {
            if (!settings.contains(name)) {
                out.put(name, new ConfigReader(overTemplate(template, value), qualified(key) + "." + name));
            }
        });
        return out;
    }

    /** A map of names chosen by the user to strings (key ids to secrets, say). */
    Map<String, String> stringEntries(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        namedValues(key).forEach((name, value) -> {
            if (value.isNull()) {
                return; // removed with ~
            }
            if (!value.isTextual()) {
                throw ConfigException.ofSetting(qualified(key) + "." + name, "expected a string");
            }
            out.put(name, value.asText());
        });
        return out;
    }

    private Map<String, JsonNode> namedValues(String key) {
        JsonNode v = value(key);
        if (v.isNull() || v.isMissingNode()) {
            return Map.of(); // the whole map removed with ~ (rateLimits: ~, which the merge drops): no entries
        }
        JsonNode map = present(key);
        if (!map.isObject()) {
            throw ConfigException.ofSetting(qualified(key), "expected a map");
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** A list of maps, each merged over {@code template} first (the item's own keys win). */
    List<ConfigReader> list(String key, ObjectNode template) {
        JsonNode list = present(key);
        if (!list.isArray()) {
            throw ConfigException.ofSetting(qualified(key), "expected a list");
        }
        List<ConfigReader> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new ConfigReader(overTemplate(template, list.get(i)), qualified(key) + "[" + i + "]"));
        }
        return out;
    }

    /** An entry that is not a map is left as it is, for the reader to refuse with its own path. */
    private static JsonNode overTemplate(ObjectNode template, JsonNode entry) {
        if (template == null || !entry.isObject()) {
            return entry;
        }
        ObjectNode merged = template.deepCopy();
        GatewayConfig.merge(merged, (ObjectNode) entry);
        return merged;
    }

    String string(String key) {
        JsonNode v = present(key);
        if (!v.isValueNode() || v.isBoolean()) {
            throw ConfigException.ofSetting(qualified(key), "expected a string");
        }
        return v.asText();
    }

    /**
     * A mode word: one of the constants of {@code type}, written in lower case ({@code enforce}). YAML
     * reads a bare {@code off} as false, which is taken as "off".
     */
    <E extends Enum<E>> E mode(String key, Class<E> type) {
        return mode(key, type, false);
    }

    /** The same in any case ({@code WARN}, {@code warn}): the log level, as log4j reads it. */
    <E extends Enum<E>> E modeAnyCase(String key, Class<E> type) {
        return mode(key, type, true);
    }

    private <E extends Enum<E>> E mode(String key, Class<E> type, boolean anyCase) {
        JsonNode v = present(key);
        String word = v.isBoolean() ? (v.booleanValue() ? "true" : "off") : string(key);
        List<String> accepted = new ArrayList<>();
        for (E mode : type.getEnumConstants()) {
            String name = mode.name().toLowerCase(Locale.ROOT);
            if (anyCase ? name.equalsIgnoreCase(word) : name.equals(word)) {
                return mode;
            }
            accepted.add(name);
        }
        throw error(key, "must be one of " + String.join(", ", accepted) + (anyCase ? "" : " (in lower case)"));
    }

    /** A string the user must give, not blank (a route's prefix, a key's hash): it has no default by design. */
    String requiredString(String key) {
        String s = has(key) ? string(key) : null;
        if (s == null || s.isBlank()) {
            throw ConfigException.ofSetting(qualified(key), "is required");
        }
        return s;
    }

    int integer(String key, int min, int max) {
        JsonNode v = present(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw ConfigException.ofSetting(qualified(key), "expected a whole number");
        }
        int i = v.intValue();
        if (i < min || i > max) {
            throw ConfigException.ofSetting(qualified(key), "must be between " + min + " and " + max);
        }
        return i;
    }

    /** A number that may have a fraction ({@code 0.5}), within [min, max]. */
    double decimal(String key, double min, double max) {
        JsonNode v = present(key);
        if (!v.isNumber()) {
            throw ConfigException.ofSetting(qualified(key), "expected a number");
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw ConfigException.ofSetting(qualified(key), "must be between " + min + " and " + max);
        }
        return d;
    }

    boolean bool(String key) {
        JsonNode v = present(key);
        if (!v.isBoolean()) {
            throw ConfigException.ofSetting(qualified(key), "expected true or false");
        }
        return v.booleanValue();
    }

    /**
     * A duration: {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}. Zero is refused: a zero timeout or
     * interval would fail every request or spin a timer, never what anyone means.
     */
    Duration duration(String key) {
        Duration d = durationOrZero(key);
        if (d.isZero()) {
            throw ConfigException.ofSetting(qualified(key), "must be longer than zero");
        }
        return d;
    }

    /** A duration where zero means "not at all" (a drain delay, a grace period). */
    Duration durationOrZero(String key) {
        String s = string(key);
        try {
            return Units.parseDuration(s);
        } catch (IllegalArgumentException e) {
            throw ConfigException.ofSetting(qualified(key), e.getMessage()); // (Units never quotes the text)
        }
    }

    /** A size in bytes: {@code 8192}, {@code 8KiB}, {@code 256MiB}. */
    long bytes(String key) {
        String s = string(key);
        try {
            return Units.parseBytes(s);
        } catch (IllegalArgumentException e) {
            throw ConfigException.ofSetting(qualified(key), e.getMessage()); // (Units never quotes the text)
        }
    }

    /** A size within {@code [min, max]} bytes. */
    long bytes(String key, long min, long max) {
        long v = bytes(key);
        if (v < min || v > max) {
            throw ConfigException.ofSetting(qualified(key), "must be between " + min + " and " + max + " bytes");
        }
        return v;
    }

    List<String> strings(String key) {
        JsonNode v = present(key);
        if (!v.isArray()) {
            throw ConfigException.ofSetting(qualified(key), "expected a list of strings");
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw ConfigException.ofSetting(qualified(key) + "[" + i + "]", "expected a string");
            }
            out.add(v.get(i).asText());
        }
        return List.copyOf(out);
    }

    /** Fails on any key of this object that no call above asked for. */
    void rejectUnknownKeys() {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!read.contains(key)) {
                throw ConfigException.about(qualified(key), "unknown setting '" + qualified(key) + "' (known here: "
                        + String.join(", ", new TreeSet<>(read)) + ")");
            }
        }
    }

    /** Whether this whole map was removed with ~ (or never given): none of its settings has a value. */
    boolean isRemoved() {
        return node.isMissingNode() || node.isNull();
    }

    String path() {
        return path;
    }

    ConfigException error(String key, String problem) {
        return ConfigException.ofSetting(qualified(key), problem);
    }

    /**
     * The value of a setting that must have one. The Java code holds no defaults, so a missing value is
     * either a gap in gateway-defaults.yaml (a bug) or a setting the user removed with ~.
     */
    private JsonNode present(String key) {
        JsonNode v = value(key);
        if (v.isMissingNode() || v.isNull()) {
            throw ConfigException.ofSetting(qualified(key), "is missing: gateway-defaults.yaml must give every "
                    + "setting a value (directly or through a template) and ~ cannot remove one");
        }
        return v;
    }

    private JsonNode value(String key) {
        read.add(key);
        return node.isObject() ? node.path(key) : MissingNode.getInstance();
    }

    private String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

}
