package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers merged in order over the defaults, and errors that name the file of the layer at fault, its line
 * and the setting, and never a value.
 */
class LayeredConfigTest {
    /** Stands for any secret: no error message may hold it, or any 8 characters of it. */
    private static final String SECRET = "Zq7secretXk9mLp2vR8tW4nY6bH3jF5dS1aG0";

    @TempDir
    Path dir;

    private static ConfigLayer layer(String name, String yaml) {
        return ConfigLayer.yaml(name, yaml);
    }

    private static GatewayConfig load(ConfigLayer... layers) {
        return LayeredConfig.load(List.of(layers)).config();
    }

    private static String error(ConfigLayer... layers) {
        return assertThrows(ConfigException.class, () -> load(layers)).getMessage();
    }

    private static final ConfigLayer BASE = layer("base.yaml", String.join("\n",
            "upstreams:",
            "  trade: {endpoints: ['10.0.0.1:9001'], responseTimeout: 750ms}",
            "  pricing: {endpoints: ['10.0.0.3:9000']}",
            "routes:",
            "  - {prefix: /v1/trades, upstream: trade}",
            "  - {prefix: /v1/tasks, upstream: task}",
            "  - {prefix: /v1/prices, upstream: pricing}",
            "auth:",
            "  issuers: [base]",
            "  hmacKeys: {k1: '" + "b".repeat(32) + "'}",
            ""));

    @Test
    void aSecondLayerThatChangesOnlyThePortKeepsEverythingElseOfTheFirst() {
        GatewayConfig first = load(BASE);
        GatewayConfig both = load(BASE, layer("port.yaml", "listener: {port: 18080}\n"));
        assertEquals(18080, both.listener().port());
        assertEquals(first.listener().host(), both.listener().host());
        assertEquals(null, ConfigDiff.firstDifference(first.withListeners(both.listener(), both.admin()), both));
    }

    @Test
    void layersMergeInOrderByTheOneRule() {
        GatewayConfig c = load(BASE, layer("more.yaml", String.join("\n",
                "upstreams:",
                "  trade: {endpoints: ['10.0.0.2:9001']}", // a list: replaced, the map around it merged
                "  pricing: ~", // ~ removes the named entry the first layer added
                "routes:", // a list: replaced as a whole
                "  - {prefix: /v1/trades, upstream: trade}",
                "  - {prefix: /v1/tasks, upstream: task}",
                "auth: {hmacKeys: {k2: '" + "c".repeat(32) + "'}}",
                "")));
        assertEquals(List.of("10.0.0.2:9001"), c.upstreams().get("trade").endpoints());
        assertEquals(Duration.ofMillis(750), c.upstreams().get("trade").responseTimeout(), "kept from base.yaml");
        assertEquals(List.of("trade", "task"), List.copyOf(c.upstreams().keySet()));
        assertEquals(2, c.routes().size());
        assertEquals(List.of("k1", "k2"), List.copyOf(c.auth().hmacKeys().keySet()));
        assertEquals(List.of("base"), c.auth().issuers());
        // The last layer wins wherever two write the same setting.
        assertEquals(3, load(layer("a.yaml", "eventLoops: 1"), layer("b.yaml", "eventLoops: 2"),
                layer("c.yaml", "eventLoops: 3")).eventLoops());
        // An empty layer writes nothing.
        assertEquals(null, ConfigDiff.firstDifference(load(BASE), load(BASE, layer("empty.yaml", ""))));
    }

    @Test
    void anErrorNamesTheFileOfTheLayerThatWroteTheSetting() {
        // In the second layer: that file, its line and column, the setting.
        assertEquals("port.yaml:2:3: setting 'listener.port' must be between 0 and 65535",
                error(BASE, layer("port.yaml", "listener:\n  port: 70000\n")));
        // In the first layer, though a second one is given: the first file.
        assertEquals("base.yaml:2:11: setting 'upstreams.trade.responseTimeout' must be longer than zero",
                error(layer("base.yaml", "upstreams:\n  trade: {responseTimeout: 0s}\n"),
                        layer("port.yaml", "listener: {port: 1}\n")));
        // A setting both write is the last one's.
        assertEquals("b.yaml:1:1: setting 'eventLoops' expected a whole number",
                error(layer("a.yaml", "eventLoops: 1"), layer("b.yaml", "eventLoops: many")));
        // An unknown key, and a route naming an upstream no layer has: where they are written.
        assertEquals("b.yaml:2:3: unknown setting 'client.headerTimeout' (known here: bodyIdleTimeout, "
                + "headersTimeout, keepAliveIdleTimeout, maxBody, maxConnections, maxHeaderBytes, maxJsonBody, "
                + "maxRequestLine)", error(BASE, layer("b.yaml", "client:\n  headerTimeout: 5s\n")));
        assertEquals("b.yaml:3:21: setting 'routes[1].upstream' names no upstream in 'upstreams'",
                error(BASE, layer("b.yaml", "routes:\n  - {prefix: /v1/trades, upstream: trade}\n"
                        + "  - {prefix: /v1/x, upstream: nowhere}\n")));
        // A setting under a map the layer wrote, though not the setting itself: the map's line.
        assertEquals("b.yaml:2:3: setting 'upstreams.pricing.endpoints' needs at least one host:port (or 'demo')",
                error(layer("b.yaml", "upstreams:\n  pricing: {connectTimeout: 1s}\n"
                        + "routes: [{prefix: /v1, upstream: pricing}]\n")));
        // A default made wrong by a layer that removed what it names: every layer is named, no line.
        assertEquals("a.yaml, b.yaml: setting 'routes[1].upstream' names no upstream in 'upstreams'",
                error(layer("a.yaml", "eventLoops: 1"), layer("b.yaml", "upstreams: {task: ~}\n")));
        // The rate limits' store, set in a later layer: that layer, and the redis settings of an earlier one.
        assertEquals("b.yaml:2:3: setting 'rateLimits.store' must be one of local, redis (in lower case)",
                error(BASE, layer("b.yaml", "rateLimits:\n  store: shared\n")));
        assertEquals("a.yaml:1:22: setting 'rateLimits.redis.probeInterval' must be longer than zero",
                error(layer("a.yaml", "rateLimits: {redis: {probeInterval: 0s}}"),
                        layer("b.yaml", "rateLimits: {store: redis}")));
        // A layer's syntax error names it even when others come after.
        assertTrue(error(layer("a.yaml", "listener: [\n"), BASE).startsWith("a.yaml:2:1: not valid YAML"),
                error(layer("a.yaml", "listener: [\n"), BASE));
    }

    @Test
    void aSettingAnotherLayerReplacedWholeIsPlacedInThatLayer() {
        // base.yaml writes routes; b.yaml replaces the list, so routes[0] is b.yaml's, not base.yaml's.
        assertEquals("b.yaml:2:6: setting 'routes[0].prefix' must start with '/'",
                error(BASE, layer("b.yaml", "routes:\n  - {prefix: v1, upstream: trade}\n")));
        // A map replaced by a plain value forgets what the first layer wrote beneath it.
        assertTrue(error(BASE, layer("b.yaml", "auth: off\n")).startsWith("b.yaml:1:1: setting 'auth' "),
                error(BASE, layer("b.yaml", "auth: off\n")));
    }

    @Test
    void aMissingFileIsNamedOnceWithTheReason() throws Exception {
        Path missing = dir.resolve("missing.yaml");
        String m = error(ConfigLayer.file(missing));
        assertEquals(missing + ": cannot read the configuration file: no such file", m);
        assertEquals(m.indexOf(missing.toString()), m.lastIndexOf(missing.toString()), "the path once: " + m);
        assertEquals(dir + ": cannot read the configuration file: it is a directory", error(ConfigLayer.file(dir)));
        assertEquals("not readable (permission denied)", ConfigLayer.reason(new AccessDeniedException("/x")));
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "eventLoops: 2\n");
        // Among several, the one missing is named.
        assertEquals(missing + ": cannot read the configuration file: no such file",
                error(ConfigLayer.file(good), ConfigLayer.file(missing)));
        assertEquals(2, load(ConfigLayer.file(good)).eventLoops());
    }

    @Test
    void aKeyGivenTwiceIsNamedByItsSettingAndLineWithoutItsValue() {
        String m = error(layer("dup.yaml", "auth:\n  issuers: [x]\n  hmacKeys:\n    k1: '" + SECRET + "'\n"
                + "    k1: '" + SECRET + "-2'\n"));
        assertEquals("dup.yaml:5:5: setting 'auth.hmacKeys.k1' is given twice (first on line 4)", m);
    }

    /**
     * The hostile files: a secret typed where it does not belong, or in a file that does not parse. The
     * message names the file, the line and the setting, and holds not even a part of the secret.
     */
    @Test
    void aSecretInAMalformedSpotNeverAppearsInTheMessage() {
        List<String> files = List.of(
                // YAML that does not parse, the secret beside the fault
                "auth:\n  hmacKeys:\n    k1: \"" + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: '" + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: " + SECRET + ": x\n",
                "auth:\n  hmacKeys:\n\tk1: " + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: \"" + SECRET + "\\q\"\n",
                "auth:\n  hmacKeys:\n    k1: \"\\x" + SECRET + "\"\n",
                "auth:\n  hmacKeys:\n    k1: \"\\u" + SECRET + "\"\n",
                "auth:\n  hmacKeys:\n    k1: |" + SECRET + "\n      x\n",
                "auth:\n  hmacKeys:\n    k1: x\n   " + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: [" + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: {" + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: @" + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: `" + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: !<!" + SECRET + "> x\n",
                "auth:\n  hmacKeys:\n    k1: !!binary " + SECRET + "%%\n",
                "auth:\n  hmacKeys: {k1: " + SECRET + "}}\n",
                "%YAML " + SECRET + "\n---\nauth: {}\n",
                "auth:\n  hmacKeys:\n    k1: - " + SECRET + "\n",
                "auth:\n  hmacKeys:\n    k1: *" + SECRET + "\n",
                // Parses, but the secret is a value of the wrong kind, or misplaced
                "auth: {issuers: [x], hmacKeys: {k1: 'short'}, clockSkew: '" + SECRET + "'}\n",
                "auth:\n  hmacKeys: '" + SECRET + "'\n",
                "auth:\n  hmacKeys:\n    k1: [" + SECRET + "]\n",
                "auth:\n  hmacKey: " + SECRET + "\n",
                "auth:\n  issuers: [x]\n  hmacKeys:\n    k1: " + SECRET.substring(0, 20) + "\n",
                "auth:\n  jwksUrl: " + SECRET + "\n",
                "auth:\n  jwksFile: /" + SECRET + "\n",
                "auth:\n  issuers: [x]\n  hmacKeys:\n    k1: 'env:" + SECRET + "'\n",
                "auth:\n  issuers: [x]\n  hmacKeys:\n    k1: 'file:/" + SECRET + "'\n",
                "auth:\n  apiKeys:\n    ops: {sha256: " + SECRET + "}\n",
                "auth:\n  apiKeys:\n    ops: {sha256: '" + "a".repeat(64) + "', scopes: ['" + SECRET + " x']}\n",
                "listener: {port: " + SECRET + "}\n",
                "listener: {port: 1" + SECRET.replaceAll("[^0-9]", "") + "99999}\n",
                "eventLoops: 3.5" + SECRET.replaceAll("[^0-9]", "") + "\n",
                "allocator: " + SECRET + "\n",
                "logging: {level: " + SECRET + "}\n",
                "client: {maxBody: " + SECRET + "}\n",
                "client: {headersTimeout: 9" + SECRET + "}\n",
                "upstreams: {trade: {endpoints: ['" + SECRET + "']}}\n",
                "upstreams: {trade: {endpoints: ['x:" + SECRET + "']}}\n",
                "routes: [{prefix: '" + SECRET + "', upstream: trade}]\n",
                "routes: [{prefix: /v1/trades, upstream: '" + SECRET + "'}, {prefix: /v1/tasks, upstream: task}]\n",
                "routes: [{prefix: /v1/trades, upstream: trade, responseValidation: " + SECRET + "}]\n",
                "migration: {adminTokens: {ops: '" + SECRET.substring(0, 10) + "'}}\n",
                "migration: {adminTokens: {ops: 'env:" + SECRET + "'}}\n",
                "routes: [{prefix: /v1/trades, upstream: trade, shadow: {target: task, percent: 5, ignore: ['"
                        + SECRET + "']}}, {prefix: /v1/tasks, upstream: task}]\n",
                "routes: [{prefix: /v1/trades, upstream: trade, shadow: {target: task, percent: 5, headers: ['"
                        + SECRET + " x']}}, {prefix: /v1/tasks, upstream: task}]\n",
                "- " + SECRET + "\n",
                SECRET + "\n");
        List<String> leaks = new ArrayList<>();
        for (String yaml : files) {
            String m = error(layer("hostile.yaml", yaml));
            assertTrue(m.startsWith("hostile.yaml"), m);
            for (int i = 0; i + 8 <= SECRET.length(); i++) {
                if (m.contains(SECRET.substring(i, i + 8))) {
                    leaks.add(m + "    <- from: " + yaml.replace("\n", "\\n"));
                    break;
                }
            }
        }
        assertTrue(leaks.isEmpty(), "messages quoting the secret:\n" + String.join("\n", leaks));
    }

    @Test
    void aSyntaxErrorNamesTheLineTheSettingAndTheParsersWordsOnly() {
        assertEquals("gw.yaml:3:1: not valid YAML in setting 'auth.hmacKeys': found a tab, which cannot start any "
                + "token: indent with spaces (while scanning for the next token)",
                error(layer("gw.yaml", "auth:\n  hmacKeys:\n\tk1: " + SECRET + "\n")));
        assertEquals("gw.yaml:4:1: not valid YAML in setting 'auth.hmacKeys.k1': found unexpected end of stream "
                + "(while scanning a quoted scalar from line 3, column 9)",
                error(layer("gw.yaml", "auth:\n  hmacKeys:\n    k1: \"" + SECRET + "\n")));
        assertEquals("gw.yaml:3:11: not valid YAML in setting 'auth.hmacKeys': mapping values are not allowed here",
                error(layer("gw.yaml", "auth:\n  hmacKeys:\n    k1: ab: " + SECRET + "\n")));
        assertEquals("gw.yaml: expected a map of settings at the top level", error(layer("gw.yaml", "- a\n- b\n")));
    }

    @Test
    void theFilesAreTheLayersThatAreFiles() {
        Path a = dir.resolve("a.yaml");
        LayeredConfig none = LayeredConfig.load(List.of());
        assertEquals(null, ConfigDiff.firstDifference(GatewayConfig.defaults(), none.config()));
        assertEquals(List.of(a), LayeredConfig.files(List.of(layer("demo.yaml", ""), ConfigLayer.file(a))));
        assertFalse(LayeredConfig.files(List.of(layer("demo.yaml", ""))).iterator().hasNext());
    }
}
