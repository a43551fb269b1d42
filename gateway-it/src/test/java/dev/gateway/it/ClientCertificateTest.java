package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client certificates on the TLS listener, with the JDK's HttpClient over real handshakes, OpenSSL and the
 * JDK's provider on the server: {@code required} refuses a handshake without a certificate or with one of
 * another CA; a verified certificate whose subject is configured is the caller the upstream hears of; a
 * credential in the request wins over it; anything else is the contract's 401; headers a client makes up
 * are never its identity; the CA file is reloaded when it changes; bad settings stop the start naming them.
 */
class ClientCertificateTest {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final String DESK = "CN=desk-7,O=Acme";
    private static final ObjectMapper JSON = new ObjectMapper();

    static TestUpstream upstream;
    static Path dir;
    static X509Bundle serverCa;
    static X509Bundle clientCa;
    /** A configured subject, from the configured CA. */
    static X509Bundle desk;
    /** A subject that is not configured, from the configured CA. */
    static X509Bundle unknown;
    /** The configured subject, from a CA the gateway does not trust. */
    static X509Bundle stranger;
    static DemoGateway optional;
    static DemoGateway required;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        dir = Files.createTempDirectory("mtls-test");
        serverCa = new CertificateBuilder().subject("CN=server CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle server = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(serverCa);
        Files.writeString(dir.resolve("tls.key"), server.getPrivateKeyPEM());
        Files.writeString(dir.resolve("tls.crt"), server.getCertificatePathPEM());
        clientCa = ca("CN=clients CA,O=Acme");
        Files.writeString(dir.resolve("clients-ca.pem"), clientCa.getCertificatePEM());
        desk = client(DESK, clientCa);
        unknown = client("CN=desk-8,O=Acme", clientCa);
        stranger = client(DESK, ca("CN=stranger CA"));
        optional = start("auto", "optional", dir.resolve("clients-ca.pem"), "");
        required = start("auto", "required", dir.resolve("clients-ca.pem"), "");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {optional, required, upstream}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others still close
            }
        }
    }

    @BeforeEach
    void clear() {
        upstream.received.clear();
    }

    private static X509Bundle ca(String subject) throws Exception {
        return new CertificateBuilder().subject(subject).setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    }

    private static X509Bundle client(String subject, X509Bundle issuer) throws Exception {
        return new CertificateBuilder().subject(subject).addExtendedKeyUsageClientAuth().ecp256()
                .buildIssuedBy(issuer);
    }

    private static String settings(String provider, String clientAuth, Path authorities) {
        return "listener: {host: 127.0.0.1, port: 0, tls: {enabled: true, certificate: '" + dir.resolve("tls.crt")
                + "', privateKey: '" + dir.resolve("tls.key") + "', provider: " + provider + ", clientAuth: "
                + clientAuth + ", clientCertificateAuthorities: '" + authorities + "'}}\n"
                + "admin: {host: 127.0.0.1, port: 0}\n"
                + "auth:\n"
                + "  issuers: [" + Jwts.ISSUER + "]\n"
                + "  hmacKeys: {hs: " + Jwts.HMAC_SECRET + "}\n"
                + "  apiKeys: {it: {sha256: 1ce48051b5830d59881cbf51500faa5f5e9d446050458f760bc96cda647be67e, "
                + "scopes: [trades:read, trades:write]}}\n"
                + "  clientCertificates: {enabled: true, subjects: {'" + DESK + "': {scopes: [trades:read]}}}\n"
                + "upstreams:\n  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n";
    }

    private static DemoGateway start(String provider, String clientAuth, Path authorities, String more)
            throws InterruptedException {
        String limits = more.contains("rateLimits") ? "" : "rateLimits: {trade: ~, task: ~}\n";
        return DemoGateway.start(GatewayConfig.fromYaml(settings(provider, clientAuth, authorities) + limits + more,
                "mtls test"));
    }

    /**
     * An HTTP/1.1 client that trusts the server CA and presents {@code certificate} when asked (none: null),
     * whichever CAs the server names in its request (the JDK's own key manager would send none of another CA).
     */
    private static HttpClient client(X509Bundle certificate) throws Exception {
        return client(certificate, HttpClient.Version.HTTP_1_1);
    }

    private static HttpClient client(X509Bundle certificate, HttpClient.Version version) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(certificate == null ? null : new KeyManager[] {new Presenting(certificate)},
                serverCa.toTrustManagerFactory().getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).version(version).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Always offers its one certificate and key. */
    private static final class Presenting extends X509ExtendedKeyManager {
        private static final String ALIAS = "client";
        private final X509Bundle bundle;

        Presenting(X509Bundle bundle) {
            this.bundle = bundle;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return bundle.getCertificatePath();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return bundle.getKeyPair().getPrivate();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    private static HttpResponse<String> get(HttpClient client, int port, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + port + TRADE))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double failedHandshakes(DemoGateway g) throws Exception {
        return Exposition.scrape(g.adminPort()).sum("gateway_tls_handshakes_total", "protocol", "none", "result",
                "failed");
    }

    /** The request fails in TLS (no HTTP answer at all), and the gateway counts a failed handshake. */
    private static void refused(DemoGateway g, X509Bundle certificate) throws Exception {
        double before = failedHandshakes(g);
        HttpClient c = client(certificate);
        assertThrows(IOException.class, () -> get(c, g.port(), "X-API-Key", "it-key"));
        Poll.until(Duration.ofSeconds(20), "the failed handshake counted", () -> failedHandshakes(g) > before);
        assertTrue(upstream.received.isEmpty(), "nothing reached the upstream");
    }

    private static TestUpstream.Recorded forwarded() throws InterruptedException {
        TestUpstream.Recorded seen = upstream.received.poll(20, TimeUnit.SECONDS);
        assertTrue(seen != null, "the request reached the upstream");
        return seen;
    }

    /** A test against a gateway with {@code clientAuth} on {@code provider}. */
    private interface OnGateway {
        void run(DemoGateway g) throws Exception;
    }

    /** Runs {@code test} against the shared gateway (auto, which is OpenSSL here) or one of its own. */
    private static void on(String provider, String clientAuth, OnGateway test) throws Exception {
        if (provider.equals("auto")) {
            assertTrue(OpenSsl.isAvailable(), "auto is OpenSSL here: " + OpenSsl.unavailabilityCause());
            test.run(clientAuth.equals("required") ? required : optional);
            return;
        }
        try (DemoGateway g = start(provider, clientAuth, dir.resolve("clients-ca.pem"), "")) {
            test.run(g);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "jdk"})
    void requiredRefusesAHandshakeWithoutACertificateOrWithOneOfAnotherCa(String provider) throws Exception {
        on(provider, "required", g -> {
            refused(g, null);
            refused(g, stranger);
        });
    }

    /** {@code optional} asks for a certificate, but one sent is verified all the same. */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "jdk"})
    void optionalRefusesACertificateOfAnotherCa(String provider) throws Exception {
        on(provider, "optional", g -> refused(g, stranger));
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "jdk"})
    void aConfiguredSubjectIsTheCallerAndForgedHeadersAreNot(String provider) throws Exception {
        on(provider, "required", g -> {
            HttpResponse<String> r = get(client(desk), g.port(),
                    "X-Auth-Subject", "CN=admin", "X-Auth-Method", "jwt", "X-Auth-Scopes", "trades:write admin",
                    "X_Auth_Subject", "CN=admin", "Client-Cert", ":MIIB:", "Client-Cert-Chain", ":MIIB:",
                    "X-Forwarded-Client-Cert", "Hash=00;Subject=\"CN=admin\"", "X_Forwarded_Client_Cert", "x");
            assertEquals(200, r.statusCode(), r.body());
            TestUpstream.Recorded seen = forwarded();
            assertEquals(DESK, seen.headers().get("X-Auth-Subject"));
            assertEquals("mtls", seen.headers().get("X-Auth-Method"));
            assertEquals("trades:read", seen.headers().get("X-Auth-Scopes"));
            assertEquals(1, seen.headers().getAll("X-Auth-Subject").size());
            for (String made : new String[] {"X_Auth_Subject", "Client-Cert", "Client-Cert-Chain",
                    "X-Forwarded-Client-Cert", "X_Forwarded_Client_Cert"}) {
                assertNull(seen.headers().get(made), made + " is not forwarded");
            }
        });
    }

    /** On HTTP/2 the certificate is the connection's, and every stream of it is that caller. */
    @Test
    void overHttp2EachStreamIsTheCertificatesCaller() throws Exception {
        HttpClient h2 = client(desk, HttpClient.Version.HTTP_2);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = get(h2, required.port(), "X-Auth-Subject", "CN=admin");
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(200, r.statusCode(), r.body());
            TestUpstream.Recorded seen = forwarded();
            assertEquals(DESK, seen.headers().get("X-Auth-Subject"));
            assertEquals("mtls", seen.headers().get("X-Auth-Method"));
        }
    }

    /** Without a certificate, {@code optional} is the listener without client certificates. */
    @Test
    void optionalWithoutACertificateTakesTheRequestsCredentialsAsUsual() throws Exception {
        HttpClient noCertificate = client(null);
        assertEquals(200, get(noCertificate, optional.port(), "X-API-Key", "it-key").statusCode());
        assertEquals("apikey", forwarded().headers().get("X-Auth-Method"));
        String token = Jwts.hs256("hs", Jwts.claims("carol", "trades:read").build());
        assertEquals(200, get(noCertificate, optional.port(), "Authorization", "Bearer " + token).statusCode());
        TestUpstream.Recorded seen = forwarded();
        assertEquals("jwt", seen.headers().get("X-Auth-Method"));
        assertEquals("carol", seen.headers().get("X-Auth-Subject"));
    }

    /** The contract's 401 for missing credentials (LEGACY.md, "Errors the gateway itself produces"). */
    private static void assertNoCredentials(HttpResponse<String> r) throws Exception {
        assertEquals(401, r.statusCode(), r.body());
        assertEquals("Bearer realm=\"gateway\"", r.headers().firstValue("WWW-Authenticate").orElse(null));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("UNAUTHENTICATED", error.get("code").asText());
        assertEquals("credentials are required: a bearer token or an API key", error.get("message").asText());
    }

    @Test
    void noCredentialAtAllOrOnlyForgedIdentityHeadersIs401() throws Exception {
        assertNoCredentials(get(client(null), optional.port()));
        assertNoCredentials(get(client(null), optional.port(), "X-Auth-Subject", DESK, "X-Auth-Method", "mtls",
                "Client-Cert", ":" + java.util.Base64.getEncoder().encodeToString(desk.getCertificate().getEncoded())
                        + ":", "X-Forwarded-Client-Cert", "Subject=\"" + DESK + "\""));
        assertTrue(upstream.received.isEmpty());
    }

    @Test
    void aVerifiedCertificateWhoseSubjectIsNotConfiguredIsNoCredential() throws Exception {
        assertNoCredentials(get(client(unknown), optional.port()));
        assertNoCredentials(get(client(unknown), required.port()));
        // It holds no identity, but it does not stop one in the request.
        assertEquals(200, get(client(unknown), required.port(), "X-API-Key", "it-key").statusCode());
        assertEquals("it", forwarded().headers().get("X-Auth-Subject"));
    }

    @Test
    void aCredentialInTheRequestWinsOverTheCertificate() throws Exception {
        HttpClient c = client(desk);
        assertEquals(200, get(c, optional.port(), "X-API-Key", "it-key").statusCode());
        TestUpstream.Recorded seen = forwarded();
        assertEquals("apikey", seen.headers().get("X-Auth-Method"));
        assertEquals("it", seen.headers().get("X-Auth-Subject"));
        // A refused credential is a refusal: the certificate does not stand in for it.
        HttpResponse<String> bad = get(c, optional.port(), "X-API-Key", "not-a-key");
        assertEquals(401, bad.statusCode());
        assertEquals(200, get(c, optional.port()).statusCode(), "and without one, on the same connection");
        assertEquals("mtls", forwarded().headers().get("X-Auth-Method"));
    }

    /** The certificate's subject is a caller of its own for the rate limits ({@code c:} beside {@code k:}). */
    @Test
    void aCertificateCallerHasItsOwnRateLimit() throws Exception {
        try (DemoGateway g = start("auto", "optional", dir.resolve("clients-ca.pem"),
                "rateLimits: {trade: {read: {perSecond: 0.001, burst: 1}}, task: ~}\n")) {
            HttpClient c = client(desk);
            assertEquals(200, get(c, g.port()).statusCode());
            assertEquals(429, get(c, g.port()).statusCode(), "the certificate's bucket is empty");
            assertEquals(200, get(c, g.port(), "X-API-Key", "it-key").statusCode(), "the key's is not");
        }
    }

    /**
     * The CA file is reloaded with the certificate and key: a certificate of a new CA is accepted on new
     * connections once the file names it, and one of the CA it no longer names is refused.
     */
    @Test
    void theCaFileIsReloadedWhenItChanges() throws Exception {
        Path authorities = dir.resolve("rotating-ca.pem");
        Files.writeString(authorities, clientCa.getCertificatePEM());
        DemoGateway g = start("auto", "required", authorities, "");
        try {
            X509Bundle nextCa = ca("CN=next clients CA,O=Acme");
            X509Bundle nextDesk = client(DESK, nextCa);
            assertEquals(200, get(client(desk), g.port()).statusCode());
            forwarded();
            refused(g, nextDesk);

            Path next = Files.createTempFile(dir, ".next", ".pem");
            Files.writeString(next, nextCa.getCertificatePEM());
            Files.move(next, authorities, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Poll.until(Duration.ofSeconds(20), "the reload counted", () -> Exposition.scrape(g.adminPort())
                    .sum("gateway_tls_certificate_reloads_total", "result", "ok") >= 1);
            assertEquals(200, get(client(nextDesk), g.port()).statusCode());
            assertEquals(DESK, forwarded().headers().get("X-Auth-Subject"));
            refused(g, desk);

            // Garbage in the file: not reloaded, the CAs in use stay.
            double failed = Exposition.scrape(g.adminPort()).sum("gateway_tls_certificate_reloads_total", "result",
                    "failed");
            Files.writeString(authorities, "not a certificate\n");
            Poll.until(Duration.ofSeconds(20), "the refused reload counted", () -> Exposition.scrape(g.adminPort())
                    .sum("gateway_tls_certificate_reloads_total", "result", "failed") > failed);
            assertEquals(200, get(client(nextDesk), g.port()).statusCode());
        } finally {
            g.close();
        }
    }

    @Test
    void badSettingsStopTheStartNamingThem() throws Exception {
        String noFile = settings("auto", "required", dir.resolve("missing.pem")) + "rateLimits: {trade: ~, task: ~}\n";
        ConfigException missing = assertThrows(ConfigException.class, () -> GatewayConfig.fromYaml(noFile, "t"));
        assertTrue(missing.getMessage().contains(
                "setting 'listener.tls.clientCertificateAuthorities' names a file that cannot be read"),
                missing.getMessage());
        assertFalse(missing.getMessage().contains("missing.pem"), missing.getMessage());

        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nsecret-looking-garbage\n-----END CERTIFICATE-----\n");
        ConfigException unusable = assertThrows(ConfigException.class,
                () -> start("auto", "required", garbage, ""));
        assertTrue(unusable.getMessage().contains("setting 'listener.tls.clientCertificateAuthorities' holds no PEM "
                + "X.509 certificate"), unusable.getMessage());
        assertFalse(unusable.getMessage().contains("secret-looking-garbage"), unusable.getMessage());

        ConfigException mode = assertThrows(ConfigException.class, () -> GatewayConfig.fromYaml(
                settings("auto", "maybe", dir.resolve("clients-ca.pem")), "t"));
        assertTrue(mode.getMessage().contains("setting 'listener.tls.clientAuth' must be one of none, optional, "
                + "required"), mode.getMessage());
    }
}
