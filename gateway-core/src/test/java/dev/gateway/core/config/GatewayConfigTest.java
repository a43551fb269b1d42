package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {
    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> GatewayConfig.fromYaml(yaml, "gw.yaml")).getMessage();
    }

    @Test
    void defaultsMatchTheLegacyContract() {
        GatewayConfig c = GatewayConfig.defaults();
        assertEquals(8080, c.listener().port());
        assertEquals("127.0.0.1", c.admin().host());
        assertEquals(9090, c.admin().port());
        assertEquals(8192, c.client().maxRequestLineBytes());
        assertEquals(32768, c.client().maxHeaderBytes());
        assertEquals(Duration.ofSeconds(10), c.client().headersTimeout());
        assertEquals(Duration.ofSeconds(30), c.client().bodyIdleTimeout());
        assertEquals(Duration.ofSeconds(65), c.client().keepAliveIdleTimeout());
        assertEquals(Duration.ofSeconds(5), c.shutdown().drainDelay());
        assertEquals(Duration.ofSeconds(30), c.shutdown().grace());
        assertEquals(Duration.ofSeconds(2), c.upstreams().get("trade").responseTimeout());
        assertEquals(Duration.ofSeconds(5), c.upstreams().get("task").responseTimeout());
        assertEquals(Duration.ofSeconds(120), c.operations().get("streamTaskEvents").idleTimeout());
        assertEquals(List.of(GatewayConfig.DEMO_ENDPOINT), c.upstreams().get("trade").endpoints());
    }

    @Test
    void aFileIsMergedOverTheDefaults() {
        GatewayConfig c = GatewayConfig.fromYaml(
                "upstreams: {trade: {endpoints: ['10.0.0.1:9001', '10.0.0.2:9001'], responseTimeout: 750ms}}\n"
                        + "client: {maxHeaderBytes: 16KiB}\n", "gw.yaml");
        assertEquals(List.of("10.0.0.1:9001", "10.0.0.2:9001"), c.upstreams().get("trade").endpoints());
        assertEquals(Duration.ofMillis(750), c.upstreams().get("trade").responseTimeout());
        assertEquals(Duration.ofSeconds(1), c.upstreams().get("trade").connectTimeout()); // untouched default
        assertEquals(16384, c.client().maxHeaderBytes());
        assertEquals(Duration.ofSeconds(5), c.upstreams().get("task").responseTimeout());
    }

    @Test
    void mistakesAreRefusedNamingTheSetting() {
        assertTrue(error("client: {headerTimeout: 5s}").contains("unknown setting 'client.headerTimeout'"));
        assertTrue(error("client: {headersTimeout: soon}").contains("'client.headersTimeout'"));
        assertTrue(error("listener: {port: 70000}").contains("'listener.port' must be between 0 and 65535"));
        assertTrue(error("upstreams: {trade: {endpoints: [nohostport]}}").contains("upstreams.trade.endpoints"));
        assertTrue(error("upstreams: {trade: {endpoints: []}}").contains("needs at least one host:port"));
        assertTrue(error("routes: [{prefix: /v1/x, upstream: nowhere}]").contains("names no upstream"));
        assertTrue(error("allocator: fancy").contains("'allocator'"));
        assertTrue(error("client: {maxHeaderBytes: 3 parsecs}").contains("'client.maxHeaderBytes'"));
        assertEquals("gw.yaml:2:1: setting 'listener' is given twice (first on line 1)",
                error("listener: {port: 1}\nlistener: {port: 2}\n"));
        assertTrue(error("- just\n- a list\n").contains("expected a map of settings"));
        assertEquals("gw.yaml:1:15: not valid YAML in setting 'key': expected ',' or ']', but got <stream end> "
                + "(while parsing a flow sequence from line 1, column 6)", error("key: [unclosed"));
        // A file that does not parse is named with its line, never quoted: it may hold secrets.
        String broken = error("auth: {hmacKeys: {k1: 'a-secret-that-must-not-leak-0123456789'}}\nroutes: [\n");
        assertTrue(!broken.contains("a-secret") && broken.contains("line "), broken);
        String unclosed = error("auth: {hmacKeys: {k1: \"a-secret-that-must-not-leak-0123456789}}\n");
        assertTrue(!unclosed.contains("a-secret"), unclosed);
    }

    @Test
    void zeroDurationsAreRefusedWhereTheyCannotMeanAnything() {
        assertTrue(error("upstreams: {trade: {responseTimeout: 0s}}")
                .contains("'upstreams.trade.responseTimeout' must be longer than zero"));
        assertTrue(error("upstreams: {task: {healthCheck: {interval: 0ms}}}")
                .contains("'upstreams.task.healthCheck.interval' must be longer than zero"));
        assertTrue(error("client: {headersTimeout: 0s}").contains("'client.headersTimeout' must be longer than zero"));
        assertTrue(error("operations: {getTrade: {responseTimeout: 0s}}")
                .contains("'operations.getTrade.responseTimeout' must be longer than zero"));
        assertTrue(error("client: {headersTimeout: 99999999999999999999s}").contains("out of range"));
        GatewayConfig c = GatewayConfig.fromYaml("shutdown: {drainDelay: 0s, grace: 0s}", "gw.yaml");
        assertEquals(Duration.ZERO, c.shutdown().drainDelay());
        assertEquals(Duration.ZERO, c.shutdown().grace());
    }

    @Test
    void aNullEntryRemovesTheDefaultOne() {
        GatewayConfig c = GatewayConfig.fromYaml("upstreams: {task: ~}\n"
                + "routes: [{prefix: /v1/trades, upstream: trade}]\n"
                + "rateLimits: {task: ~}\n"
                + "operations: {uploadArtifact: ~, downloadArtifact: ~}\n", "gw.yaml");
        assertEquals(List.of("trade"), List.copyOf(c.upstreams().keySet()));
        assertEquals(List.of("placeTradeBatch", "streamTaskEvents"), List.copyOf(c.operations().keySet()));
        // Without the route change, the default route to the removed upstream is the error.
        // (The route's upstream is a default no file wrote: the file is named without a line.)
        assertEquals("gw.yaml: setting 'routes[1].upstream' names no upstream in 'upstreams'",
                error("upstreams: {task: ~}\nrateLimits: {task: ~}"));
        assertTrue(error("upstreams: {task: ~}\nroutes: [{prefix: /v1/trades, upstream: trade}]").contains(
                "setting 'rateLimits.task' names no upstream in 'upstreams' (drop it with 'rateLimits: {task: ~}')"));
    }

    @Test
    void rateLimitsAndAuthDefaultsAreTheLegacyOnes() {
        GatewayConfig c = GatewayConfig.defaults();
        assertEquals(new GatewayConfig.Bucket(50, 100), c.rateLimits().get("trade").write());
        assertEquals(new GatewayConfig.Bucket(200, 400), c.rateLimits().get("trade").read());
        assertEquals(new GatewayConfig.Bucket(20, 40), c.rateLimits().get("task").write());
        assertEquals(new GatewayConfig.Bucket(200, 400), c.rateLimits().get("task").read());
        assertEquals(Duration.ofSeconds(30), c.auth().clockSkew());
        assertEquals(8192, c.auth().maxTokenBytes());
        assertTrue(c.auth().apiKeys().isEmpty() && !c.auth().acceptsTokens(), "the defaults accept no one");
        GatewayConfig readsFree = GatewayConfig.fromYaml("rateLimits: {trade: {read: ~}}", "gw.yaml");
        assertEquals(null, readsFree.rateLimits().get("trade").read());
        assertEquals(new GatewayConfig.Bucket(50, 100), readsFree.rateLimits().get("trade").write());
    }

    @Test
    void theRateLimitStoreIsLocalByDefaultAndRedisWhenAsked() {
        GatewayConfig.RateLimitStoreConfig local = GatewayConfig.defaults().rateLimitStore();
        assertEquals(GatewayConfig.RateLimitStore.LOCAL, local.store());
        assertEquals(null, local.redis(), "no Redis settings while the store is local");
        assertEquals(List.of("trade", "task"), List.copyOf(GatewayConfig.defaults().rateLimits().keySet()),
                "store and redis are settings, not upstreams");

        GatewayConfig.RedisStoreConfig redis = GatewayConfig.fromYaml("rateLimits: {store: redis}", "gw.yaml")
                .rateLimitStore().redis();
        assertEquals(new GatewayConfig.RedisStoreConfig(new HostPort("127.0.0.1", 6379), Duration.ofMillis(50), 10,
                3, Duration.ofSeconds(1)), redis);
        GatewayConfig other = GatewayConfig.fromYaml("rateLimits:\n  store: redis\n"
                + "  redis: {address: 'redis.internal:6380', leaseSize: 5, expectedReplicas: 2}\n", "gw.yaml");
        assertEquals(new HostPort("redis.internal", 6380), other.rateLimitStore().redis().address());
        assertEquals(5, other.rateLimitStore().redis().leaseSize());
        assertEquals(2, other.rateLimitStore().redis().expectedReplicas());
        assertEquals(Duration.ofMillis(50), other.rateLimitStore().redis().timeout(), "the rest from the defaults");
        assertEquals(List.of("trade", "task"), List.copyOf(other.rateLimits().keySet()));

        // A reload that changes the store names the setting as written (a restart is needed).
        assertEquals("rateLimits.store", ConfigDiff.firstDifference(GatewayConfig.defaults(),
                GatewayConfig.fromYaml("rateLimits: {store: redis}", "gw.yaml")));
        assertEquals("rateLimits.redis.leaseSize", ConfigDiff.firstDifference(other, GatewayConfig.fromYaml(
                "rateLimits:\n  store: redis\n  redis: {address: 'redis.internal:6380', expectedReplicas: 2}\n",
                "gw.yaml")));

        // Nothing limited: no store to read, and none needed.
        assertEquals(GatewayConfig.RateLimitStoreConfig.LOCAL,
                GatewayConfig.fromYaml("rateLimits: ~", "gw.yaml").rateLimitStore());
    }

    @Test
    void theRedisPasswordIsTheSecretItNamesAndNeverShown() {
        GatewayConfig.RedisStoreConfig plain = GatewayConfig.fromYaml(
                "rateLimits: {store: redis, redis: {username: gw, password: 'pa55word'}}", "gw.yaml")
                .rateLimitStore().redis();
        assertEquals("gw", plain.username());
        assertEquals("pa55word", new String(plain.password(), java.nio.charset.StandardCharsets.UTF_8));
        assertFalse(plain.toString().contains("pa55word"), plain.toString());
        assertEquals(plain, GatewayConfig.fromYaml(
                "rateLimits: {store: redis, redis: {username: gw, password: 'pa55word'}}", "gw.yaml")
                .rateLimitStore().redis(), "compared by content: a reload with the same password changes nothing");
        assertEquals(null, GatewayConfig.fromYaml("rateLimits: {store: redis}", "gw.yaml").rateLimitStore().redis()
                .password(), "none by default");
        assertEquals("gw.yaml:1:22: setting 'rateLimits.redis.password' names an environment variable (env:...) "
                + "that is not set", error("rateLimits: {redis: {password: 'env:GATEWAY_TEST_NO_SUCH_VARIABLE'}}"));
        assertTrue(error("rateLimits: {redis: {password: 'file:/no/such/secret'}}").startsWith(
                "gw.yaml:1:22: setting 'rateLimits.redis.password' names a file (file:...) that cannot be read"));
    }

    @Test
    void aBadRateLimitStoreSettingIsNamedWithoutItsValue() {
        assertEquals("gw.yaml:1:14: setting 'rateLimits.store' must be one of local, redis (in lower case)",
                error("rateLimits: {store: memcached}"));
        assertEquals("gw.yaml:1:22: setting 'rateLimits.redis.address' expected host:port",
                error("rateLimits: {redis: {address: 'secret-host'}}"));
        assertEquals("gw.yaml:1:22: setting 'rateLimits.redis.timeout' must be longer than zero",
                error("rateLimits: {redis: {timeout: 0ms}}"));
        assertEquals("gw.yaml:1:22: setting 'rateLimits.redis.leaseSize' must be between 1 and 1000000",
                error("rateLimits: {redis: {leaseSize: 0}}"));
        assertEquals("gw.yaml:1:22: setting 'rateLimits.redis.expectedReplicas' must be between 1 and 10000",
                error("rateLimits: {redis: {expectedReplicas: 0}}"));
        assertTrue(error("rateLimits: {redis: {pasword: x}}").contains(
                "unknown setting 'rateLimits.redis.pasword' (known here: address, expectedReplicas, leaseSize, "
                        + "password, probeInterval, timeout, username)"), error("rateLimits: {redis: {pasword: x}}"));
        // Checked even while the store is local: a mistake is found before the day it is switched on.
        assertTrue(error("rateLimits: {store: local, redis: {address: nope}}").contains("'rateLimits.redis.address'"));
        assertFalse(error("rateLimits: {redis: {address: 'secret-host'}}").contains("secret-host"));
        assertTrue(error("rateLimits: {store: ~}").contains("setting 'rateLimits.store' is missing"));
    }

    @Test
    void anUpstreamCannotBeNamedAsARateLimitSetting() {
        for (String name : List.of("store", "redis")) {
            String m = error("upstreams: {" + name + ": {endpoints: ['127.0.0.1:9']}}");
            assertTrue(m.contains("setting 'upstreams." + name + "' is a reserved name: 'rateLimits." + name + "' is a "
                    + "setting of the rate limits"), m);
            assertTrue(m.startsWith("gw.yaml:1:"), m);
        }
        // Limits for an upstream called so are its store setting, and refused as such.
        assertTrue(error("rateLimits: {store: {read: {perSecond: 1, burst: 1}}}").contains(
                "setting 'rateLimits.store' expected a string"));
    }

    @Test
    void secretsComeFromTheFileTheEnvironmentOrTheValue(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("secret");
        java.nio.file.Files.writeString(file, "s".repeat(40) + "\n");
        AuthConfig a = GatewayConfig.fromYaml("auth: {issuers: [me], hmacKeys: {f: 'file:" + file + "', v: '"
                + "v".repeat(32) + "'}}", "gw.yaml").auth();
        assertEquals("s".repeat(40), new String(a.hmacKeys().get("f"), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(32, a.hmacKeys().get("v").length);
        // The setting and its line, never the value (nor its length), the variable or the path.
        assertEquals("gw.yaml:1:34: setting 'auth.hmacKeys.k' is too short: an HS256 secret must be at least 32 bytes",
                error("auth: {issuers: [me], hmacKeys: {k: short}}"));
        assertEquals("gw.yaml:1:34: setting 'auth.hmacKeys.k' names an environment variable (env:...) that is not set",
                error("auth: {issuers: [me], hmacKeys: {k: 'env:GATEWAY_SURELY_UNSET_VARIABLE'}}"));
        String unreadable = error("auth: {issuers: [me], hmacKeys: {k: 'file:" + dir.resolve("none") + "'}}");
        assertEquals("gw.yaml:1:34: setting 'auth.hmacKeys.k' names a file (file:...) that cannot be read: no such file",
                unreadable);
        assertTrue(error("auth: {hmacKeys: {k: '" + "v".repeat(32) + "'}}").contains(
                "setting 'auth.issuers' must list the accepted token issuers"));
        assertTrue(error("auth: {apiKeys: {k: {sha256: my-secret-key}}}").contains(
                "setting 'auth.apiKeys.k.sha256' must be the 64 hex digits of the key's SHA-256"));
        assertTrue(error("auth: {jwksUrl: 'ftp://x'}").contains("must be an http:// or https:// URL"));
        assertTrue(error("upstreams: {zeta: {endpoints: ['127.0.0.1:1']}}\nrateLimits: {zeta: {write: {perSecond: 5}}}")
                .contains("setting 'rateLimits.zeta.write.burst' is required beside perSecond"));
        assertTrue(error("rateLimits: {trade: {write: {perSecond: 0, burst: 1}}}").contains("must be between"));
        assertTrue(error("rateLimits: {nowhere: {write: {perSecond: 1, burst: 1}}}").contains(
                "'rateLimits.nowhere' names no upstream"));
        AuthConfig env = GatewayConfig.fromYaml("auth: {issuers: [me], hmacKeys: {e: 'env:GATEWAY_TEST_HS256_SECRET'}}",
                "gw.yaml").auth(); // set by the build (surefire's environmentVariables)
        assertEquals("env-secret-for-tests-0123456789abcdef",
                new String(env.hmacKeys().get("e"), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void upstreamsKeepTheOrderOfTheFile() {
        GatewayConfig c = GatewayConfig.fromYaml(
                "upstreams: {zeta: {endpoints: ['127.0.0.1:1']}, alpha: {endpoints: ['127.0.0.1:2']}}", "gw.yaml");
        assertEquals(List.of("trade", "task", "zeta", "alpha"), List.copyOf(c.upstreams().keySet()));
    }

    @Test
    void unitsParse() {
        assertEquals(Duration.ofMillis(250), Units.parseDuration("250ms"));
        assertEquals(Duration.ofMinutes(5), Units.parseDuration(" 5m "));
        assertEquals(256L << 20, Units.parseBytes("256MiB"));
        assertEquals(8192, Units.parseBytes("8192"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("5 fortnights"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("-1"));
    }

    @Test
    void loggingAndTracingHaveTheirDefaultsAndAreCheckedStrictly() {
        GatewayConfig c = GatewayConfig.defaults();
        assertEquals(GatewayConfig.LogLevel.INFO, c.logging().level());
        assertTrue(c.logging().accessLog());
        assertEquals(false, c.tracing().enabled());
        assertEquals(0.01, c.tracing().sampleRatio());
        assertEquals("http://127.0.0.1:4318/v1/traces", c.tracing().endpoint());
        assertEquals("gateway", c.tracing().serviceName());
        GatewayConfig set = GatewayConfig.fromYaml("logging: {level: warn, accessLog: false}\n"
                + "tracing: {enabled: true, sampleRatio: 1, endpoint: 'https://otel:4318/v1/traces'}\n", "gw.yaml");
        assertEquals(GatewayConfig.LogLevel.WARN, set.logging().level());
        assertEquals(false, set.logging().accessLog());
        assertEquals(1.0, set.tracing().sampleRatio());
        assertTrue(error("logging: {level: loud}").contains("logging.level"), error("logging: {level: loud}"));
        assertTrue(error("tracing: {sampleRatio: 2}").contains("tracing.sampleRatio"));
        assertTrue(error("tracing: {endpoint: 'otel:4318'}").contains("http://"));
        assertTrue(error("tracing: {sampler: always}").contains("tracing.sampler"));
    }
}
