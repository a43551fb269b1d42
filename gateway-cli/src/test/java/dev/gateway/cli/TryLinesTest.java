package dev.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TryLinesTest {
    /** With TLS on the listener, every line to it says https:// (curl reads a bare host:port as http). */
    @Test
    void withTlsTheLinesToTheListenerSayHttps(@TempDir Path dir) throws Exception {
        Path crt = Files.writeString(dir.resolve("tls.crt"), "(read when the gateway starts, not here)\n");
        Path key = Files.writeString(dir.resolve("tls.key"), "(read when the gateway starts, not here)\n");
        GatewayConfig tls = GatewayConfig.fromYaml("listener: {host: 0.0.0.0, port: 8443, tls: {enabled: true, "
                + "certificate: '" + crt + "', privateKey: '" + key + "'}}\n", "test");
        String lines = TryLines.of(tls, 8443, 9090, "scripts/token");
        assertTrue(lines.contains("curl -s https://localhost:8443/v1/trades/"), lines);
        assertTrue(lines.contains("curl -s 127.0.0.1:9090/readyz"), "the admin listener stays cleartext: " + lines);
        String plain = TryLines.of(GatewayConfig.fromYaml("listener: {port: 8080}\n", "test"), 8080, 9090, "x");
        assertTrue(plain.contains("curl -s localhost:8080/v1/trades/"), plain);
    }

    /** With HTTP/2 on (the default) and the demo key in effect, a line shows it: h2 over TLS, h2c in cleartext. */
    @Test
    void withHttp2OnALineSpeaksIt(@TempDir Path dir) throws Exception {
        Path crt = Files.writeString(dir.resolve("tls.crt"), "(read when the gateway starts, not here)\n");
        Path key = Files.writeString(dir.resolve("tls.key"), "(read when the gateway starts, not here)\n");
        GatewayConfig demo = DemoGateway.demoConfig();
        String plain = TryLines.of(demo, 8080, 9090, "x");
        assertTrue(plain.contains("curl -s --http2-prior-knowledge localhost:8080/v1/trades/"), plain);
        GatewayConfig.Listener tls = GatewayConfig.fromYaml("listener: {port: 8443, tls: {enabled: true, "
                + "certificate: '" + crt + "', privateKey: '" + key + "'}}\n", "test").listener();
        String secure = TryLines.of(demo.withListeners(tls, demo.admin()), 8443, 9090, "x");
        assertTrue(secure.contains("curl -s --http2 https://localhost:8443/v1/trades/"), secure);
        String http1Only = TryLines.of(demo.withListeners(new GatewayConfig.Listener("0.0.0.0", 8080), demo.admin()),
                8080, 9090, "x");
        assertTrue(http1Only.contains("curl -s localhost:8080/v1/trades/"), http1Only);
        assertTrue(!http1Only.contains("--http2"), http1Only);
    }
}
