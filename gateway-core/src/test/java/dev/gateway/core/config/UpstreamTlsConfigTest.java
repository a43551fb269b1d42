package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.GatewayConfig.UpstreamTlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code upstreams.NAME.tls}: off by default, merged from {@code upstreamDefaults}, checked strictly. */
class UpstreamTlsConfigTest {
    @TempDir
    Path dir;

    private static GatewayConfig read(String yaml) {
        return GatewayConfig.fromYaml(yaml, "gw.yaml");
    }

    private static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> read(yaml)).getMessage();
    }

    private static String trade(String tls) {
        return "upstreams: {trade: {endpoints: ['10.0.0.1:443'], tls: {" + tls + "}}}\n";
    }

    private Path caFile() throws Exception {
        return Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    }

    @Test
    void upstreamsAreCleartextByDefault() {
        GatewayConfig c = GatewayConfig.defaults();
        assertNull(c.upstreams().get("trade").tls());
        assertNull(c.upstreams().get("task").tls());
    }

    @Test
    void enabledAloneTrustsTheJdkAnchorsAndChecksTheEndpointsHost() {
        assertEquals(new UpstreamTlsConfig(null, null), read(trade("enabled: true")).upstreams().get("trade").tls());
    }

    @Test
    void aTrustStoreAndAServerNameAreTaken() throws Exception {
        Path ca = caFile();
        UpstreamTlsConfig tls = read(trade("enabled: true, trustStore: '" + ca + "', serverName: trade.internal"))
                .upstreams().get("trade").tls();
        assertEquals(new UpstreamTlsConfig(ca, "trade.internal"), tls);
        assertEquals("10.1.2.3", read(trade("enabled: true, serverName: 10.1.2.3")).upstreams().get("trade").tls()
                .serverName());
        assertEquals("::1", read(trade("enabled: true, serverName: '[::1]'")).upstreams().get("trade").tls()
                .serverName());
        assertEquals("fd00::1", read(trade("enabled: true, serverName: 'fd00::1'")).upstreams().get("trade").tls()
                .serverName());
    }

    @Test
    void theTemplateGivesEveryUpstreamTlsAndOneMaySwitchItOff() throws Exception {
        Path ca = caFile();
        GatewayConfig c = read("upstreamDefaults: {tls: {enabled: true, trustStore: '" + ca + "'}}\n"
                + "upstreams: {trade: {endpoints: ['10.0.0.1:443'], tls: {serverName: trade.internal}},\n"
                + "  task: {endpoints: ['10.0.0.2:80'], tls: {enabled: false}}}\n");
        assertEquals(new UpstreamTlsConfig(ca, "trade.internal"), c.upstreams().get("trade").tls());
        assertNull(c.upstreams().get("task").tls());
    }

    @Test
    void aTrustStoreThatIsNoReadableFileIsRefusedNamingTheSettingNotThePath() {
        String missing = error(trade("enabled: true, trustStore: '" + dir.resolve("nope.pem") + "'"));
        assertTrue(missing.contains("setting 'upstreams.trade.tls.trustStore' names a file that cannot be read"),
                missing);
        assertFalse(missing.contains("nope.pem"), missing);
        String directory = error(trade("enabled: true, trustStore: '" + dir + "'"));
        assertTrue(directory.contains("'upstreams.trade.tls.trustStore'"), directory);
        // Not looked at while TLS is off, as the listener's files.
        assertNull(read(trade("enabled: false, trustStore: '" + dir.resolve("nope.pem") + "'")).upstreams()
                .get("trade").tls());
    }

    @Test
    void mistakesAreRefusedNamingTheSetting() {
        for (String bad : new String[] {"https://trade.internal", "trade.internal:443", "trade internal", "a..b",
                "[::1%lo]", "-x.internal"}) {
            String e = error(trade("enabled: true, serverName: '" + bad + "'"));
            assertTrue(e.contains("setting 'upstreams.trade.tls.serverName' expected a DNS name"), bad + ": " + e);
            assertFalse(e.contains(bad), e);
        }
        assertTrue(error(trade("enabled: maybe")).contains("'upstreams.trade.tls.enabled'"));
        // Hostname verification has no switch: the setting does not exist.
        assertTrue(error(trade("enabled: true, verifyHostname: false"))
                .contains("unknown setting 'upstreams.trade.tls.verifyHostname'"));
        assertTrue(error("upstreamDefaults: {tls: {serverName: 'x y'}}\n")
                .contains("'upstreamDefaults.tls.serverName'"));
    }
}
