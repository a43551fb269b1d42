package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
    @ParameterizedTest
    @CsvSource({
            "redis.internal:6380, redis.internal, 6380, redis.internal:6380",
            "10.0.0.1:1, 10.0.0.1, 1, 10.0.0.1:1",
            "trade_service:65535, trade_service, 65535, trade_service:65535",
            "'[::1]:6379', ::1, 6379, '[::1]:6379'",
            "'[fd00::2]:80', fd00::2, 80, '[fd00::2]:80'",
            "'[::ffff:10.0.0.1]:80', ::ffff:10.0.0.1, 80, '[::ffff:10.0.0.1]:80'"})
    void aHostAndPortAreParsedAndWrittenBackAsTheyCame(String text, String host, int port, String written) {
        HostPort parsed = HostPort.parse(text, "x.address");
        assertEquals(new HostPort(host, port), parsed);
        assertEquals(written, parsed.toString());
    }

    /** Each names the setting and what is wrong, never the text: it may be a secret pasted in by mistake. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "redis://127.0.0.1:6379 | expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)",
            "user:pass@host:6379 | expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)",
            "user@host:6379 | expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)",
            "host/path:80 | expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)",
            "'ho st:80' | expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)",
            "-host:80 | expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)",
            "::1:6379 | has an IPv6 address outside brackets (write [address]:port)",
            "'[host]:80' | has brackets around something that is not an IPv6 address",
            "'[::1%lo]:80' | has brackets around something that is not an IPv6 address",
            "'[]:80' | expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)",
            "host | expected host:port",
            ":80 | expected host:port",
            "host: | expected host:port",
            "host:http | has a port that is not a number",
            "host:0 | has a port out of range (1 to 65535)",
            "host:65536 | has a port out of range (1 to 65535)"})
    void aBadAddressIsRefusedNamingTheSettingAndNotTheText(String text, String problem) {
        ConfigException e = assertThrows(ConfigException.class, () -> HostPort.parse(text, "x.address"));
        assertEquals("setting 'x.address' " + problem, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"secret-host.internal:99999", "redis://s3cr3t@host:1"})
    void theErrorNeverQuotesTheText(String text) {
        String message = assertThrows(ConfigException.class, () -> HostPort.parse(text, "x.address")).getMessage();
        assertFalse(message.contains("secret") || message.contains("s3cr3t"), message);
    }
}
