package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TLS on the public listener, with real clients: the JDK's HttpClient and raw TLS sockets over TLS 1.3 and
 * 1.2, OpenSSL and the JDK's provider on the server; the certificate reloaded while connections stay open;
 * what is not TLS 1.2 or 1.3 refused; bad files refused at start naming the setting.
 */
class TlsListenerTest {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";

    static TestUpstream upstream;
    static Path dir;
    static X509Bundle ca;
    static SSLContext trustingCa;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        dir = Files.createTempDirectory("tls-test");
        ca = new CertificateBuilder().subject("CN=gateway test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        install(leaf("CN=first"));
        trustingCa = SSLContext.getInstance("TLS");
        trustingCa.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
        gateway = start("auto");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** A server certificate for localhost and 127.0.0.1, issued by the test CA. */
    private static X509Bundle leaf(String subject) throws Exception {
        return new CertificateBuilder().subject(subject).addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
    }

    /** Writes the chain and key as an operator's tooling would: each file replaced whole (a rename). */
    private static void install(X509Bundle bundle) throws IOException {
        replace(dir.resolve("tls.key"), bundle.getPrivateKeyPEM());
        replace(dir.resolve("tls.crt"), bundle.getCertificatePathPEM());
    }

    private static void replace(Path file, String content) throws IOException {
        Path next = Files.createTempFile(dir, ".next", ".pem");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String settings(String provider, Path certificate, Path key) {
        return "listener: {host: 127.0.0.1, port: 0, tls: {enabled: true, certificate: '" + certificate
                + "', privateKey: '" + key + "', provider: " + provider + "}}\n"
                + "admin: {host: 127.0.0.1, port: 0}\n" + TestGateway.CREDENTIALS
                + "upstreams:\n  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n";
    }

    private static DemoGateway start(String provider) throws InterruptedException {
        return start(provider, "");
    }

    private static DemoGateway start(String provider, String more) throws InterruptedException {
        return DemoGateway.start(GatewayConfig.fromYaml(
                settings(provider, dir.resolve("tls.crt"), dir.resolve("tls.key")) + more, "tls test"));
    }

    private static HttpResponse<String> get(int port, String protocol) throws Exception {
        SSLParameters only = new SSLParameters();
        only.setProtocols(new String[] {protocol});
        HttpClient client = HttpClient.newBuilder().sslContext(trustingCa).sslParameters(only)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + TRADE))
                .header("X-API-Key", "it-key").timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @CsvSource({"auto, TLSv1.3", "auto, TLSv1.2", "jdk, TLSv1.3", "jdk, TLSv1.2"})
    void theJdkClientIsAnsweredOverTlsAndTheUpstreamIsToldItWasHttps(String provider, String protocol)
            throws Exception {
        if (provider.equals("auto")) {
            assertTrue(OpenSsl.isAvailable(), "auto is OpenSSL here: " + OpenSsl.unavailabilityCause());
        }
        DemoGateway g = provider.equals("auto") ? gateway : start(provider);
        try {
            upstream.received.clear();
            HttpResponse<String> r = get(g.port(), protocol);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(protocol, r.sslSession().orElseThrow().getProtocol());
            TestUpstream.Recorded seen = upstream.received.poll(20, TimeUnit.SECONDS);
            assertEquals("https", seen.headers().get("X-Forwarded-Proto"));
            assertTrue(Exposition.scrape(g.adminPort()).sum("gateway_tls_handshakes_total", "protocol", protocol,
                    "result", "ok") >= 1);
        } finally {
            if (g != gateway) {
                g.close();
            }
        }
    }

    /** One TLS connection, kept open: requests on it one after another. */
    private static final class TlsConnection implements AutoCloseable {
        final SSLSocket socket;

        TlsConnection(int port) throws IOException {
            this(port, "TLSv1.3");
        }

        TlsConnection(int port, String protocol) throws IOException {
            socket = (SSLSocket) trustingCa.getSocketFactory().createSocket("127.0.0.1", port);
            socket.setEnabledProtocols(new String[] {protocol});
            socket.setSoTimeout(20_000);
            socket.startHandshake();
        }

        String peerSubject() throws IOException {
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }

        /** Sends a GET and reads its answer whole (Content-Length framing); returns the status. */
        int get() throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + TRADE + " HTTP/1.1\r\nHost: localhost\r\nX-API-Key: it-key\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("closed after: " + head);
                }
                head.append((char) c);
            }
            String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
            int at = lower.indexOf("content-length:");
            int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
            in.readNBytes(length);
            return Integer.parseInt(head.substring(9, 12));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * New files are used for the connections made after them; a connection made before keeps its session
     * and goes on; a key that does not match (a half-done rotation) keeps the pair in use.
     */
    @Test
    void aNewCertificateServesNewConnectionsWhileOpenOnesGoOn() throws Exception {
        try (TlsConnection before = new TlsConnection(gateway.port())) {
            assertEquals(200, before.get());
            String first = before.peerSubject();

            install(leaf("CN=second"));
            Poll.until(Duration.ofSeconds(20), "a new connection given the new certificate", () -> {
                try (TlsConnection fresh = new TlsConnection(gateway.port())) {
                    return fresh.peerSubject().equals("CN=second");
                }
            });
            assertNotEquals("CN=second", first);
            assertEquals(200, before.get(), "the connection made before the reload goes on");
            assertTrue(Exposition.scrape(gateway.adminPort()).sum("gateway_tls_certificate_reloads_total", "result",
                    "ok") >= 1);

            // A key of another pair: no reload; the pair in use stays.
            double failedBefore = Exposition.scrape(gateway.adminPort()).sum("gateway_tls_certificate_reloads_total",
                    "result", "failed");
            replace(dir.resolve("tls.key"), leaf("CN=third").getPrivateKeyPEM());
            Poll.until(Duration.ofSeconds(20), "the refused reload counted", () -> Exposition.scrape(
                    gateway.adminPort()).sum("gateway_tls_certificate_reloads_total", "result", "failed") > failedBefore);
            try (TlsConnection after = new TlsConnection(gateway.port())) {
                assertEquals("CN=second", after.peerSubject());
                assertEquals(200, after.get());
            }
        } finally {
            install(leaf("CN=first")); // for the other tests, whichever order they run in
        }
    }

    /**
     * TLS 1.2 renegotiation asked by the client is refused by either provider (each one a full handshake's
     * CPU for the server at the client's will: a known way to exhaust a server). TLS 1.3 has none.
     */
    @ParameterizedTest
    @CsvSource({"auto", "jdk"})
    void aClientInitiatedRenegotiationIsRefused(String provider) throws Exception {
        DemoGateway g = provider.equals("auto") ? gateway : start(provider);
        try (TlsConnection c = new TlsConnection(g.port(), "TLSv1.2")) {
            assertEquals(200, c.get());
            IOException refused = assertThrows(IOException.class, () -> {
                c.socket.startHandshake(); // on an established TLS 1.2 session: a renegotiation
                c.get();
            });
            assertFalse(refused instanceof SocketTimeoutException, "refused, not left unanswered: " + refused);
        } finally {
            if (g != gateway) {
                g.close();
            }
        }
    }

    /** What a server answers to bytes, read until it closes or 16 bytes came. */
    private static byte[] answerTo(byte[] hello) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(hello);
            s.getOutputStream().flush();
            return s.getInputStream().readNBytes(16);
        }
    }

    /**
     * A TLS 1.1 ClientHello (RFC 4346; retired by RFC 8996) gets no ServerHello: a fatal alert, or the
     * connection closed. Written byte by byte: the JDK's own client will not send one.
     */
    @Test
    void aTls11ClientHelloIsRefused() throws Exception {
        byte[] body = new byte[2 + 32 + 1 + 2 + 4 + 1 + 1];
        int i = 0;
        body[i++] = 3;
        body[i++] = 2; // client_version: TLS 1.1
        i += 32; // random: zeros will do
        body[i++] = 0; // session_id: empty
        body[i++] = 0;
        body[i++] = 4; // two cipher suites
        body[i++] = (byte) 0xC0;
        body[i++] = 0x13; // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
        body[i++] = 0;
        body[i++] = 0x2F; // TLS_RSA_WITH_AES_128_CBC_SHA
        body[i++] = 1;
        body[i] = 0; // compression: null
        byte[] record = new byte[5 + 4 + body.length];
        record[0] = 0x16; // handshake
        record[1] = 3;
        record[2] = 1;
        record[3] = 0;
        record[4] = (byte) (4 + body.length);
        record[5] = 1; // ClientHello
        record[8] = (byte) body.length;
        System.arraycopy(body, 0, record, 9, body.length);
        double failedBefore = Exposition.scrape(gateway.adminPort()).sum("gateway_tls_handshakes_total", "result",
                "failed");

        byte[] answer = answerTo(record);
        assertTrue(answer.length >= 7, "an alert, not a silent close: " + answer.length + " bytes");
        assertEquals(0x15, answer[0], "an alert record, not a handshake (no ServerHello)");
        assertEquals(2, answer[5], "a fatal alert");
        assertEquals(70, answer[6], "protocol_version (RFC 8446 section 6.2): refused for its version");
        Poll.until(Duration.ofSeconds(20), "the failed handshake counted", () -> Exposition.scrape(
                gateway.adminPort()).sum("gateway_tls_handshakes_total", "protocol", "none", "result", "failed")
                > failedBefore);
        assertEquals(200, get(gateway.port(), "TLSv1.3").statusCode(), "and the listener goes on");
    }

    /**
     * After the handshake, a record trickled in (its header announces 16 KiB, one byte of it comes): the
     * TLS handler holds it back until it is whole, so the headers clock must start on the raw bytes, or the
     * connection would be held until the keep-alive timeout (here 120 s) instead of the headers timeout (1 s).
     */
    @Test
    void aRecordTrickledInAfterTheHandshakeIsCutAtTheHeadersTimeout() throws Exception {
        DemoGateway g = start("auto", "client: {headersTimeout: 1s, keepAliveIdleTimeout: 120s}\n");
        try (Socket plain = new Socket("127.0.0.1", g.port());
                SSLSocket tls = (SSLSocket) trustingCa.getSocketFactory().createSocket(plain, "localhost",
                        g.port(), false)) {
            tls.startHandshake();
            OutputStream raw = plain.getOutputStream();
            raw.write(new byte[] {0x17, 0x03, 0x03, 0x40, 0x00, 0x01}); // application data, 16 KiB announced
            raw.flush();
            plain.setSoTimeout(30_000); // far below the keep-alive timeout: a close before it is the headers'
            InputStream in = plain.getInputStream();
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // the server's session tickets, an alert: read on until it closes
            }
        } finally {
            g.close();
        }
    }

    /** Plaintext HTTP on the TLS port is not a request: no answer in HTTP, the connection ends. */
    @Test
    void plaintextHttpOnTheTlsPortIsNotServed() throws Exception {
        byte[] answer = answerTo(("GET " + TRADE + " HTTP/1.1\r\nHost: x\r\nX-API-Key: it-key\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertTrue(answer.length == 0 || answer[0] == 0x15, "closed, or a TLS alert: " + answer.length + " bytes");
        assertEquals(200, get(gateway.port(), "TLSv1.3").statusCode());
    }

    @Test
    void badFilesAreRefusedAtStartNamingTheSetting() throws Exception {
        Path missing = dir.resolve("missing.crt");
        ConfigException noFile = assertThrows(ConfigException.class, () -> GatewayConfig.fromYaml(
                settings("auto", missing, dir.resolve("tls.key")), "tls test"));
        assertTrue(noFile.getMessage().contains("setting 'listener.tls.certificate' names a file that cannot be read"),
                noFile.getMessage());

        Path otherKey = dir.resolve("other.key");
        Files.writeString(otherKey, leaf("CN=other").getPrivateKeyPEM());
        ConfigException mismatch = assertThrows(ConfigException.class, () -> DemoGateway.start(GatewayConfig.fromYaml(
                settings("auto", dir.resolve("tls.crt"), otherKey), "tls test")));
        assertTrue(mismatch.getMessage().contains("listener.tls.privateKey"), mismatch.getMessage());

        Path notPem = dir.resolve("not.crt");
        Files.writeString(notPem, "not a certificate\n");
        ConfigException garbage = assertThrows(ConfigException.class, () -> DemoGateway.start(GatewayConfig.fromYaml(
                settings("auto", notPem, dir.resolve("tls.key")), "tls test")));
        assertTrue(garbage.getMessage().contains("listener.tls.certificate"), garbage.getMessage());
    }
}
