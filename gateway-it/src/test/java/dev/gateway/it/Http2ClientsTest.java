package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.core.config.GatewayConfig;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 with real clients: the JDK's HttpClient over h2 (TLS, ALPN) and over cleartext, and curl over
 * h2 and h2c with prior knowledge. Each request goes through the same stages as over HTTP/1.1.
 */
class Http2ClientsTest {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    private static final String ORDER = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\","
            + "\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}";

    static TestUpstream upstream;
    static Path dir;
    static SSLContext trusting;
    static DemoGateway tls;
    static DemoGateway cleartext;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        dir = Files.createTempDirectory("h2-test");
        X509Bundle ca = new CertificateBuilder().subject("CN=h2 test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle leaf = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
        Files.writeString(dir.resolve("tls.key"), leaf.getPrivateKeyPEM());
        Files.writeString(dir.resolve("tls.crt"), leaf.getCertificatePathPEM());
        Files.writeString(dir.resolve("ca.crt"), ca.getCertificatePEM());
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
        String upstreams = "upstreams:\n  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n";
        tls = DemoGateway.start(GatewayConfig.fromYaml("listener: {host: 127.0.0.1, port: 0, tls: {enabled: true, "
                + "certificate: '" + dir.resolve("tls.crt") + "', privateKey: '" + dir.resolve("tls.key") + "'}}\n"
                + "admin: {host: 127.0.0.1, port: 0}\n" + TestGateway.CREDENTIALS + upstreams, "h2 tls test"));
        cleartext = TestGateway.startWith(upstream, "");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {tls, cleartext, upstream}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others are still closed
            }
        }
    }

    @Test
    void theJdkClientSpeaksH2OverTlsAndManyRequestsShareOneConnection() throws Exception {
        upstream.received.clear();
        HttpClient client = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
        // The first request opens the connection (the client opens one per request until one is open).
        assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.port() + TRADE))
                .header("X-API-Key", "it-key").timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        double connections = Exposition.scrape(tls.adminPort()).sum("gateway_http2_connections_total");
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.port() + TRADE))
                    .header("X-API-Key", "it-key").timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.get(30, TimeUnit.SECONDS);
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(200, r.statusCode());
            assertEquals("{\"ok\":true}", r.body());
            assertTrue(r.headers().firstValue("x-request-id").isPresent());
        }
        TestUpstream.Recorded seen = upstream.received.poll();
        assertNotNull(seen);
        assertEquals("https", seen.headers().get("x-forwarded-proto"));
        assertEquals(connections, Exposition.scrape(tls.adminPort()).sum("gateway_http2_connections_total"));
    }

    @Test
    void theJdkClientPostsABodyOverH2() throws Exception {
        upstream.received.clear();
        HttpClient client = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.port()
                + "/v1/trades")).header("X-API-Key", "it-key").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ORDER)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(ORDER, new String(upstream.received.poll(10, TimeUnit.SECONDS).body(), StandardCharsets.UTF_8));
    }

    @Test
    void aClientOfferingOnlyHttp11OverTlsGetsHttp11() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.port()
                + TRADE)).header("X-API-Key", "it-key").timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_1_1, r.version());
        assertEquals(200, r.statusCode());
    }

    /**
     * Over cleartext the JDK's client asks for h2c with an HTTP/1.1 {@code Upgrade} (RFC 7540 §3.2): its first
     * request is answered on stream 1 after {@code 101}, and the next ones are streams of that connection.
     */
    @Test
    void theJdkClientUpgradesToH2cOverCleartext() throws Exception {
        upstream.received.clear();
        double before = Exposition.scrape(cleartext.adminPort()).sum("gateway_http2_connections_total");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + cleartext.port() + TRADE)).header("X-API-Key", "it-key").timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals("{\"ok\":true}", r.body());
        }
        assertEquals(before + 1, Exposition.scrape(cleartext.adminPort()).sum("gateway_http2_connections_total"));
        TestUpstream.Recorded first = upstream.received.poll();
        assertNotNull(first);
        // What asked for the upgrade is not forwarded.
        assertFalse(first.headers().contains("upgrade"));
        assertFalse(first.headers().contains("http2-settings"));
    }

    /** A body on the first request: no upgrade, the request is served over HTTP/1.1 (RFC 9110 §7.8). */
    @Test
    void theJdkClientPostingFirstOverCleartextStaysOnHttp11() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cleartext.port()
                + "/v1/trades")).header("X-API-Key", "it-key").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ORDER)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void curlSpeaksH2OverTls() throws Exception {
        List<String> out = curl("--http2", "--cacert", dir.resolve("ca.crt").toString(),
                "https://localhost:" + tls.port() + TRADE);
        assertEquals("2 200", out.get(out.size() - 1));
    }

    @Test
    void curlSpeaksH2cWithPriorKnowledge() throws Exception {
        List<String> out = curl("--http2-prior-knowledge", "http://127.0.0.1:" + cleartext.port() + TRADE);
        assertEquals("2 200", out.get(out.size() - 1));
        assertEquals("{\"ok\":true}", out.get(0));
    }

    /** Runs curl with the test key; the last line is {@code http_version status}. */
    private static List<String> curl(String... args) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-H", "X-API-Key: it-key",
                "-w", "\\n%{http_version} %{http_code}"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        return text.lines().toList();
    }
}
