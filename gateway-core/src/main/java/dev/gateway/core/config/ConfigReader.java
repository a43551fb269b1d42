package dev.gateway.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one object of the configuration tree strictly: every key must be known (a typo is an error,
 * not a silently ignored setting), every value must have the right type, and errors name the full
 * dotted path of the setting.
 */
final class ConfigReader {
    private final JsonNode node;
    private final String path;
    private final Set<String> read = new LinkedHashSet<>();

    ConfigReader(JsonNode node, String path) {
        if (!node.isMissingNode() && !node.isNull() && !node.isObject()) {
            throw new ConfigException(where(path) + "expected a map of settings");
        }
        this.node = node;
        this.path = path;
    }

    ConfigReader child(String key) {
        return new ConfigReader(value(key), qualified(key));
    }

    /** A map whose keys are names chosen by the user (upstreams, operations). */
    Map<String, ConfigReader> entries(String key) {
        Map<String, ConfigReader> out = new LinkedHashMap<>();
        namedValues(key).forEach((name, value) -> out.put(name, new ConfigReader(value, qualified(key) + "." + name)));
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
                throw new ConfigException(where(qualified(key) + "." + name) + "expected a string");
            }
            out.put(name, value.asText());
        });
        return out;
    }

    private Map<String, JsonNode> namedValues(String key) {
        JsonNode map = value(key);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (map.isMissingNode() || map.isNull()) {
            return out;
        }
        if (!map.isObject()) {
            throw new ConfigException(where(qualified(key)) + "expected a map");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    List<ConfigReader> list(String key) {
        JsonNode list = value(key);
        List<ConfigReader> out = new ArrayList<>();
        if (list.isMissingNode() || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            throw new ConfigException(where(qualified(key)) + "expected a list");
        }
        for (int i = 0; i < list.size(); i++) {
            out.add(new ConfigReader(list.get(i), qualified(key) + "[" + i + "]"));
        }
        return out;
    }

    String string(String key, String dflt) {
        JsonNode v = value(key);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode() || v.isBoolean()) {
            throw new ConfigException(where(qualified(key)) + "expected a string");
        }
        return v.asText();
    }

    /** A mode word such as {@code off} or {@code log}; YAML reads a bare {@code off} as false, taken as "off". */
    String mode(String key, String dflt) {
        JsonNode v = value(key);
        if (v.isBoolean() && !v.booleanValue()) {
            return "off";
        }
        return string(key, dflt);
    }

    String requiredString(String key) {
        String s = string(key, null);
        if (s == null || s.isBlank()) {
            throw new ConfigException(where(qualified(key)) + "is required");
        }
        return s;
    }

    int integer(String key, int dflt, int min, int max) {
        JsonNode v = value(key);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new ConfigException(where(qualified(key)) + "expected a whole number, got '" + v.asText() + "'");
        }
        int i = v.intValue();
        if (i < min || i > max) {
            throw new ConfigException(where(qualified(key)) + "must be between " + min + " and " + max + ", got " + i);
        }
        return i;
    }

    /** A number that may have a fraction ({@code 0.5}), within [min, max]. */
    double decimal(String key, double dflt, double min, double max) {
        JsonNode v = value(key);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new ConfigException(where(qualified(key)) + "expected a number, got '" + v.asText() + "'");
        }
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) {
            throw new ConfigException(where(qualified(key)) + "must be between " + min + " and " + max + ", got " + d);
        }
        return d;
    }

    boolean bool(String key, boolean dflt) {
        JsonNode v = value(key);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(where(qualified(key)) + "expected true or false");
        }
        return v.booleanValue();
    }

    /**
     * A duration: {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}. Zero is refused: a zero timeout or
     * interval would fail every request or spin a timer, never what anyone means.
     */
    Duration duration(String key, Duration dflt) {
        Duration d = durationOrZero(key, dflt);
        if (d != null && d.isZero()) {
            throw new ConfigException(where(qualified(key)) + "must be longer than zero");
        }
        return d;
    }

    /** A duration where zero means "not at all" (a drain delay, a grace period). */
    Duration durationOrZero(String key, Duration dflt) {
        String s = string(key, null);
        if (s == null) {
            return dflt;
        }
        try {
            return Units.parseDuration(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(qualified(key)) + e.getMessage());
        }
    }

    /** A size in bytes: {@code 8192}, {@code 8KiB}, {@code 256MiB}. */
    long bytes(String key, long dflt) {
        String s = string(key, null);
        if (s == null) {
            return dflt;
        }
        try {
            return Units.parseBytes(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where(qualified(key)) + e.getMessage());
        }
    }

    List<String> strings(String key, List<String> dflt) {
        JsonNode v = value(key);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isArray()) {
            throw new ConfigException(where(qualified(key)) + "expected a list of strings");
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw new ConfigException(where(qualified(key)) + "expected a list of strings");
            }
            out.add(item.asText());
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
                throw new ConfigException("unknown setting '" + qualified(key) + "' (known here: "
                        + String.join(", ", new TreeSet<>(read)) + ")");
            }
        }
    }

    String path() {
        return path;
    }

    ConfigException error(String key, String problem) {
        return new ConfigException(where(qualified(key)) + problem);
    }

    private JsonNode value(String key) {
        read.add(key);
        return node.isObject() ? node.path(key) : MissingNode.getInstance();
    }

    private String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String where(String path) {
        return "setting '" + path + "' ";
    }
}
