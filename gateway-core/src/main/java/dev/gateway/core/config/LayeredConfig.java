package dev.gateway.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.YamlTree.Mark;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The configuration made of layers: the bundled {@code gateway-defaults.yaml}, then each {@link ConfigLayer}
 * in order, each merged over what came before by the one rule ({@link GatewayConfig#merge}: maps key by
 * key, lists and plain values replaced, {@code ~} removes a named entry), then read strictly.
 *
 * <p>It remembers which layer last wrote each setting, and where, so that an error names the file of the
 * layer at fault, with the line and column of the setting (or of the nearest map above it that the layer
 * writes): {@code port.yaml:2:3: setting 'listener.port' must be between 0 and 65535}. An error in a setting
 * no layer writes (a default, made wrong by another setting) names every layer. Errors found after the
 * load, when the gateway starts on these settings (a route that covers no operation, an endpoint, a port
 * it cannot listen on), are placed the same way by {@link #place}.
 */
public final class LayeredConfig {
    private final List<ConfigLayer> layers;
    private final GatewayConfig config;
    /** Setting's dotted path to the layer that last wrote it, and where. */
    private final Map<String, Origin> origins;

    private record Origin(ConfigLayer layer, Mark mark) {
        String where() {
            return layer.name() + (mark == null ? "" : ":" + mark);
        }
    }

    private LayeredConfig(List<ConfigLayer> layers, GatewayConfig config, Map<String, Origin> origins) {
        this.layers = layers;
        this.config = config;
        this.origins = origins;
    }

    /**
     * Reads every layer now, in order, and merges them over the defaults.
     *
     * @param layers the layers, the last one winning; none gives the defaults alone
     * @throws ConfigException a layer cannot be read or parsed, has a key twice, or the merged settings
     *     are wrong (unknown, wrongly typed, out of range, missing); the message names the file of the layer
     *     at fault, the line and column when known, and the setting, never a value
     */
    public static LayeredConfig load(List<ConfigLayer> layers) {
        List<ConfigLayer> all = List.copyOf(layers);
        ObjectNode merged = GatewayConfig.loadDefaults();
        Map<String, Origin> origins = new HashMap<>();
        for (ConfigLayer layer : all) {
            YamlTree tree = YamlTree.parse(layer.read(), layer.name());
            JsonNode user = tree.root();
            if (user.isMissingNode() || user.isNull()) {
                continue; // an empty file sets nothing
            }
            if (!user.isObject()) {
                throw ConfigException.inFile(null, layer.name() + ": expected a map of settings at the top level");
            }
            record(merged, (ObjectNode) user, "", layer, tree.marks(), origins);
            GatewayConfig.merge(merged, (ObjectNode) user);
        }
        LayeredConfig placing = new LayeredConfig(all, null, origins);
        try {
            return new LayeredConfig(all, GatewayConfig.fromTree(merged), origins);
        } catch (ConfigException e) {
            throw placing.place(e);
        }
    }

    /** The settings. */
    public GatewayConfig config() {
        return config;
    }

    /** The layers, in the order they were merged. */
    public List<ConfigLayer> layers() {
        return layers;
    }

    /** The files among the layers, in order: what a reload reads again and a watcher watches. */
    public List<Path> files() {
        return files(layers);
    }

    /** The files among {@code layers}, in order. */
    public static List<Path> files(List<ConfigLayer> layers) {
        return layers.stream().map(ConfigLayer::file).filter(Objects::nonNull).toList();
    }

    /**
     * The same error, its message preceded by the file of the layer that wrote its setting (or the nearest
     * map above it) and the line and column there ({@code gw.yaml:4:7: ...}); by every layer's name when
     * no layer wrote it. An error that already names its file, or loaded without layers, is returned as it is.
     */
    public ConfigException place(ConfigException e) {
        if (e.placed() || layers.isEmpty()) {
            return e;
        }
        for (String s = e.setting(); s != null; s = parent(s)) {
            Origin o = origins.get(s);
            if (o != null) {
                return e.placedAt(o.where());
            }
        }
        return e.placedAt(layers.stream().map(ConfigLayer::name).collect(Collectors.joining(", ")));
    }

    /**
     * Notes which settings {@code over} writes, as {@link GatewayConfig#merge} will merge it into {@code base}:
     * a map over a map writes only its own keys; anything else replaces the whole value, so what earlier
     * layers wrote beneath it is forgotten.
     */
    private static void record(ObjectNode base, ObjectNode over, String path, ConfigLayer layer, Map<String, Mark> marks,
            Map<String, Origin> origins) {
        over.fields().forEachRemaining(e -> {
            String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode old = base.get(e.getKey());
            if (e.getValue() instanceof ObjectNode map && old instanceof ObjectNode oldMap) {
                origins.put(p, new Origin(layer, marks.get(p)));
                record(oldMap, map, p, layer, marks, origins);
            } else {
                origins.keySet().removeIf(k -> isUnder(k, p));
                origins.put(p, new Origin(layer, marks.get(p)));
                marks.forEach((k, m) -> {
                    if (isUnder(k, p)) {
                        origins.put(k, new Origin(layer, m));
                    }
                });
            }
        });
    }

    private static boolean isUnder(String path, String above) {
        return path.length() > above.length() && path.startsWith(above)
                && (path.charAt(above.length()) == '.' || path.charAt(above.length()) == '[');
    }

    /** {@code routes[0].prefix} → {@code routes[0]} → {@code routes} → {@code null}. */
    private static String parent(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut <= 0 ? null : path.substring(0, cut);
    }
}
