package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from the gateway to an upstream ({@code upstreams.NAME.tls}), against real TLS upstreams on loopback:
 * a certificate of the configured CA is served, SNI is the configured name; a certificate of another CA,
 * or for another name, or no TLS at all, is a connection not made (the contract's 502, or 504 for no
 * handshake in time) and nothing is forwarded; health checks speak TLS; a trust store that cannot be used
 * stops the start naming the setting.
 */
class UpstreamTlsTest {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final String GET = "GET " + TRADE + " HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n";

    @TempDir
    static Path dir;
    /** The CA the gateway is told to trust, as a PEM file. */
    static X509Bundle ca;
    static Path caFile;
    /** Another CA, which the gateway does not trust. */
    static X509Bundle otherCa;

    @BeforeAll
    static void authorities() throws Exception {
        ca = new CertificateBuilder().subject("CN=upstream test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        otherCa = new CertificateBuilder().subject("CN=another CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.getCertificatePEM());
    }

    /** A server context with a certificate for the given names (DNS names, or IP addresses if numeric). */
    private static SslContext server(X509Bundle issuer, String... names) throws Exception {
        CertificateBuilder b = new CertificateBuilder().subject("CN=upstream").addExtendedKeyUsageServerAuth()
                .ecp256();
        for (String n : names) {
            if (Character.isDigit(n.charAt(0))) {
                b.addSanIpAddress(n);
            } else {
                b.addSanDnsName(n);
            }
        }
        X509Bundle leaf = b.buildIssuedBy(issuer);
        return SslContextBuilder.forServer(leaf.toKeyManagerFactory()).build();
    }

    /** The trade upstream at {@code endpoint} with TLS and {@code tls}'s other settings; task stays demo. */
    private static DemoGateway gateway(String endpoint, String tls) throws InterruptedException {
        return gateway(endpoint, "", tls);
    }

    /** The same, with more settings of the trade upstream ({@code "connectTimeout: 300ms, "}). */
    private static DemoGateway gateway(String endpoint, String settings, String tls) throws InterruptedException {
        return TestGateway.start("upstreams:\n  trade: {endpoints: [" + endpoint + "], " + settings
                + "tls: {enabled: true, trustStore: '" + caFile + "'" + (tls.isEmpty() ? "" : ", " + tls) + "}}\n");
    }

    /** The trade request through {@code g} is answered {@code status} with {@code code}, within the bounds (ms). */
    private static void assertAnswered(DemoGateway g, int status, String code, long minMillis, long maxMillis)
            throws Exception {
        long start = System.nanoTime();
        RawHttp.Response r = get(g);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(status, r.status(), r.text());
        assertEquals(code, FailuresTest.code(r));
        assertTrue(millis >= minMillis && millis < maxMillis, "answered after " + millis + " ms");
    }

    private static RawHttp.Response get(DemoGateway g) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            return c.send(GET).read();
        }
    }

    private static double failedAttempts(DemoGateway g) throws Exception {
        return Exposition.scrape(g.adminPort()).sum("gateway_upstream_attempt_duration_seconds_count",
                "upstream", "trade", "outcome", "failure");
    }

    @Test
    @Timeout(60)
    void anUpstreamWithACertificateOfTheConfiguredCaIsAnsweredOverTls() throws Exception {
        try (TestUpstream upstream = new TestUpstream(server(ca, "localhost", "127.0.0.1"))) {
            DemoGateway g = gateway(upstream.endpoint(), "");
            try {
                for (int i = 0; i < 3; i++) {
                    RawHttp.Response r = get(g);
                    assertEquals(200, r.status(), r.text());
                    assertEquals("{\"ok\":true}", r.text());
                }
                TestUpstream.Recorded seen = upstream.received.poll(10, TimeUnit.SECONDS);
                assertNotNull(seen);
                assertEquals(TRADE, seen.uri());
                assertEquals("127.0.0.1:" + upstream.port(), seen.headers().get("Host")); // as in cleartext
                assertEquals("http", seen.headers().get("X-Forwarded-Proto")); // the client's side
                TestUpstream.Handshake h = upstream.handshakes.poll(10, TimeUnit.SECONDS);
                assertNotNull(h);
                assertEquals("TLSv1.3", h.protocol());
                assertEquals("", h.sni(), "no SNI for an IP address (RFC 6066 section 3)");
            } finally {
                g.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void theServerNameIsSentAsSniAndTheCertificateIsCheckedAgainstIt() throws Exception {
        // A name that resolves nowhere: the connection goes to the endpoint's address, the name is only checked.
        try (TestUpstream upstream = new TestUpstream(server(ca, "trade.internal.test"))) {
            DemoGateway g = gateway(upstream.endpoint(), "serverName: trade.internal.test");
            try {
                assertEquals(200, get(g).status());
                TestUpstream.Handshake h = upstream.handshakes.poll(10, TimeUnit.SECONDS);
                assertEquals(new TestUpstream.Handshake("trade.internal.test", "TLSv1.3"), h);
                assertEquals("127.0.0.1:" + upstream.port(),
                        upstream.received.poll(10, TimeUnit.SECONDS).headers().get("Host"));
            } finally {
                g.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void aCertificateOfAnotherCaIsRefusedAndNothingIsForwarded() throws Exception {
        assertRefused(server(otherCa, "localhost", "127.0.0.1"), "");
    }

    @Test
    @Timeout(60)
    void aCertificateForAnotherNameIsRefused() throws Exception {
        // Named by serverName: the certificate is for other.example only.
        assertRefused(server(ca, "other.example"), "serverName: trade.internal.test");
        // Named by the endpoint's IP address: the certificate has the DNS name only, not the address.
        assertRefused(server(ca, "localhost"), "");
    }

    /**
     * Through a gateway with {@code tls} to an upstream serving {@code served}: 502 BAD_GATEWAY, counted as the
     * endpoint's failure; the upstream saw a handshake fail and no request.
     */
    private static void assertRefused(SslContext served, String tls) throws Exception {
        try (TestUpstream upstream = new TestUpstream(served)) {
            DemoGateway g = gateway(upstream.endpoint(), tls);
            try {
                RawHttp.Response r = get(g);
                assertEquals(502, r.status(), r.text());
                assertEquals("BAD_GATEWAY", FailuresTest.code(r));
                TestUpstream.Handshake h = upstream.handshakes.poll(10, TimeUnit.SECONDS);
                assertNotNull(h, "the upstream saw no handshake");
                assertNull(h.protocol(), "the handshake failed on the upstream's side too: " + h);
                assertTrue(failedAttempts(g) >= 1, "the failed attempt is the endpoint's");
                assertTrue(upstream.received.isEmpty(), "forwarded: " + upstream.received);
            } finally {
                g.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void anUpstreamSpeakingCleartextIsAnErrorNotAHang() throws Exception {
        try (TestUpstream upstream = new TestUpstream()) { // plain HTTP/1.1
            DemoGateway g = gateway(upstream.endpoint(), "");
            try {
                // It answers the ClientHello as a bad request, in cleartext: not TLS, so no connection.
                assertAnswered(g, 502, "BAD_GATEWAY", 0, 5_000);
                assertTrue(failedAttempts(g) >= 1);
                assertTrue(upstream.received.stream().noneMatch(q -> q.uri().equals(TRADE)),
                        "forwarded: " + upstream.received);
            } finally {
                g.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void aHandshakeIsBoundedByTheConnectTimeout() throws Exception {
        try (SilentUpstream upstream = new SilentUpstream()) { // accepts, reads the ClientHello, never answers
            DemoGateway g = gateway("127.0.0.1:" + upstream.port(), "connectTimeout: 300ms, responseTimeout: 20s, ",
                    "");
            try {
                assertAnswered(g, 504, "UPSTREAM_TIMEOUT", 300, 10_000);
            } finally {
                g.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void healthChecksSpeakTls() throws Exception {
        try (TestUpstream good = new TestUpstream(server(ca, "localhost", "127.0.0.1"));
                TestUpstream untrusted = new TestUpstream(server(otherCa, "localhost", "127.0.0.1"))) {
            DemoGateway g = TestGateway.start("upstreams:\n"
                    + "  trade: {endpoints: [" + good.endpoint() + "], healthCheck: {path: /health, interval: 50ms},"
                    + " tls: {enabled: true, trustStore: '" + caFile + "'}}\n"
                    + "  legacy: {endpoints: [" + untrusted.endpoint() + "], healthCheck: {interval: 50ms},"
                    + " tls: {enabled: true, trustStore: '" + caFile + "'}}\n");
            try {
                Poll.until(Duration.ofSeconds(10), "trade up", () -> readiness(g).contains("\"trade\":\"up\""));
                TestUpstream.Recorded check = good.received.poll(10, TimeUnit.SECONDS);
                assertEquals("/health", check.uri());
                assertEquals("TLSv1.3", good.handshakes.poll(10, TimeUnit.SECONDS).protocol());
                // The TCP check of a TLS upstream is a handshake, which the untrusted one fails.
                TestUpstream.Handshake refused = untrusted.handshakes.poll(10, TimeUnit.SECONDS);
                assertNotNull(refused);
                assertNull(refused.protocol());
                // Healthy until a check says otherwise; the first check decides alone.
                Poll.until(Duration.ofSeconds(10), "legacy's endpoint unhealthy", () -> Exposition.scrape(g.adminPort())
                        .sum("gateway_upstream_endpoint_up", "upstream", "legacy") == 0);
                assertTrue(untrusted.received.isEmpty());
            } finally {
                g.close();
            }
        }
    }

    private static String readiness(DemoGateway g) throws Exception {
        try (RawHttp c = new RawHttp(g.adminPort())) {
            RawHttp.Response r = c.send("GET /readyz HTTP/1.1\r\nHost: admin\r\n\r\n").read();
            return r.status() + " " + r.text();
        }
    }

    @Test
    void aTrustStoreThatCannotBeUsedStopsTheStartNamingTheSetting() throws Exception {
        String setting = "setting 'upstreams.trade.tls.trustStore'";
        ConfigException missing = assertThrows(ConfigException.class, () -> GatewayConfig.fromYaml(
                "upstreams: {trade: {endpoints: ['127.0.0.1:1'], tls: {enabled: true, trustStore: '"
                        + dir.resolve("missing.pem") + "'}}}\n", "tls test"));
        assertTrue(missing.getMessage().contains(setting + " names a file that cannot be read"),
                missing.getMessage());
        assertFalse(missing.getMessage().contains("missing.pem"), missing.getMessage());

        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nc2VjcmV0IHN0dWZm\n-----END CERTIFICATE-----\n");
        Path comment = dir.resolve("comment.pem");
        Files.writeString(comment, "# no certificate here\n");
        Path empty = Files.createFile(dir.resolve("empty.pem"));
        Path key = dir.resolve("key.pem");
        Files.writeString(key, ca.getPrivateKeyPEM());
        for (Path bad : new Path[] {garbage, comment, empty, key}) {
            ConfigException e = assertThrows(ConfigException.class, () -> TestGateway.start(
                    "upstreams:\n  trade: {endpoints: ['127.0.0.1:1'], tls: {enabled: true, trustStore: '" + bad
                            + "'}}\n"), bad.getFileName().toString());
            assertTrue(e.getMessage().contains(setting), e.getMessage());
            assertFalse(e.getMessage().contains("c2VjcmV0") || e.getMessage().contains(bad.toString()),
                    e.getMessage());
        }
    }
}
