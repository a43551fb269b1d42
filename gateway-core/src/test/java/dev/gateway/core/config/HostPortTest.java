package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
    private static final String GENERIC = "expected host:port, the host a DNS name (labels of letters, digits, '-' and '_') or a"
            + " dotted IPv4 address; no scheme, no path";
    private static final String BRACKETS = "has brackets around something that is not an IPv6 address (with a zone of this"
            + " machine's)";

    @ParameterizedTest
    @CsvSource({
            "redis.internal:6380, redis.internal, 6380, redis.internal:6380",
            "10.0.0.1:1, 10.0.0.1, 1, 10.0.0.1:1",
            "trade_service:65535, trade_service, 65535, trade_service:65535",
            "localhost.:80, localhost., 80, localhost.:80",
            "xn--bcher-kva.example:443, xn--bcher-kva.example, 443, xn--bcher-kva.example:443",
            "'[::1]:6379', ::1, 6379, '[::1]:6379'",
            "'[FD00::2]:80', FD00::2, 80, '[FD00::2]:80'",
            "'[::ffff:10.0.0.1]:80', ::ffff:10.0.0.1, 80, '[::ffff:10.0.0.1]:80'",
            "'[::1%lo]:80', ::1%lo, 80, '[::1%lo]:80'"})
    void aHostAndPortAreParsedAndWrittenBackAsTheyCame(String text, String host, int port, String written) {
        HostPort parsed = HostPort.parse(text, "x.address");
        assertEquals(new HostPort(host, port), parsed);
        assertEquals(written, parsed.toString());
    }

    /** Each names the setting and what is wrong, never the text: it may be a secret pasted in by mistake. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "redis://127.0.0.1:6379 | G",
            "user:pass@host:6379 | G",
            "user@host:6379 | G",
            "host/path:80 | G",
            "'ho st:80' | G",
            "-host:80 | G",
            "host-:80 | G",
            "a..b:80 | G",
            "a.-b:80 | G",
            "1234:80 | G",
            "10.1:80 | G",
            "10.0.0.256:80 | G",
            "::1:6379 | has an IPv6 address outside brackets (write [address]:port)",
            "'[host]:80' | B",
            "'[1:2:3]:80' | B",
            "'[12345::]:80' | B",
            "'[::1%no-such-interface]:80' | B",
            "'[]:80' | G",
            "host | expected host:port",
            ":80 | expected host:port",
            "host: | expected host:port",
            "host:http | has a port that is not a number",
            "host:+80 | has a port that is not a number",
            "host:\uFF18\uFF10 | has a port that is not a number", // fullwidth digits, which parseInt takes
            "host:0 | has a port out of range (1 to 65535)",
            "host:65536 | has a port out of range (1 to 65535)"})
    void aBadAddressIsRefusedNamingTheSettingAndNotTheText(String text, String problem) {
        String expected = problem.equals("G") ? GENERIC : problem.equals("B") ? BRACKETS : problem;
        ConfigException e = assertThrows(ConfigException.class, () -> HostPort.parse(text, "x.address"));
        assertEquals("setting 'x.address' " + expected, e.getMessage());
    }

    @Test
    void aHostOfMoreThan253CharactersOrALabelOfMoreThan63IsRefused() {
        String label63 = "a".repeat(63);
        String name253 = String.join(".", label63, label63, label63, "a".repeat(61));
        assertEquals(name253, HostPort.parse(name253 + ":80", "x.address").host());
        assertThrows(ConfigException.class, () -> HostPort.parse(name253 + "a:80", "x.address"));
        assertThrows(ConfigException.class, () -> HostPort.parse("a".repeat(64) + ".example:80", "x.address"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"secret-host.internal:99999", "redis://s3cr3t@host:1"})
    void theErrorNeverQuotesTheText(String text) {
        String message = assertThrows(ConfigException.class, () -> HostPort.parse(text, "x.address")).getMessage();
        assertFalse(message.contains("secret") || message.contains("s3cr3t"), message);
    }
}
