package dev.gateway.it;

import static dev.gateway.it.FramingSuiteTest.ARTIFACT;
import static dev.gateway.it.FramingSuiteTest.TRADE;
import static dev.gateway.it.FramingSuiteTest.describe;
import static dev.gateway.it.FramingSuiteTest.gatewayError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.it.RawUpstream.Request;
import dev.gateway.it.StrictClient.Response;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the framing change that {@link FramingSuiteTest} does not cover. Each test fails on the gateway
 * as it stands; the message says what was observed and what the README / LEGACY.md / RFC ask for.
 * Same setup as the suite: one event loop, a strict raw-TCP upstream for both services.
 */
class FramingAttackTest {
    private static final int READ_TIMEOUT_MS = 3_000;
    /** How long a request may take to reach the upstream (only a failing case waits this long). */
    private static final Duration UPSTREAM_WAIT = Duration.ofSeconds(2);
    private static final String KEY = "X-API-Key: it-key\r\n";

    static RawUpstream upstream;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new RawUpstream();
        gateway = FramingSuiteTest.startInFrontOf(upstream, "");
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    @AfterEach
    void quiet() throws InterruptedException {
        upstream.awaitQuiet(Duration.ofSeconds(3));
        upstream.received.clear();
        upstream.resetScript();
    }

    // -----------------------------------------------------------------------------------------------------

    /**
     * LEGACY.md and README: "The query string is forwarded unchanged". A query byte outside ASCII (here the
     * UTF-8 of "é", C3 A9, which every browser sends raw in a query if not percent-encoded) goes upstream
     * re-encoded as UTF-8 a second time (C3 83 C2 A9): the decoder reads the request line byte by byte as
     * chars, and the request encoder writes the URI as UTF-8. Either the bytes pass as they came or the
     * request is refused (400, as the path does); a silently changed query is neither.
     */
    @Test
    void nonAsciiQueryBytesAreForwardedUnchangedOrRefused() throws Exception {
        String query = "accountId=ACC-00012345&cursor=ab\u00c3\u00a9cd"; // Latin-1 chars = the raw bytes C3 A9
        String raw = "GET /v1/trades?" + query + " HTTP/1.1\r\nHost: gw\r\n" + KEY + "\r\n";
        Response answer;
        try (StrictClient client = new StrictClient(gateway.port(), READ_TIMEOUT_MS)) {
            answer = client.send(raw).readFinal(false, new ArrayList<>());
        }
        Request up = upstream.received.poll(UPSTREAM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (up == null) {
            gatewayError(answer, 400, "VALIDATION_FAILED"); // refused, never forwarded: acceptable
            return;
        }
        String forwardedLine = requestLine(up.raw());
        String expected = "GET /v1/trades?" + query + " HTTP/1.1";
        assertEquals(RawUpstream.escape(expected.getBytes(StandardCharsets.ISO_8859_1)),
                RawUpstream.escape(forwardedLine.getBytes(StandardCharsets.ISO_8859_1)),
                "the query reached the upstream changed");
    }

    /**
     * README: "An unknown Expect gets 400 and a closed connection." Only the first Expect line is looked at
     * (RequestGuard reads headers.get): {@code Expect: 100-continue} followed by {@code Expect: foo} gets a
     * 100 Continue and is forwarded, while the same two lines in the other order get 400. RFC 9110 §10.1.1:
     * a server that receives an Expect field value containing a member other than 100-continue MAY answer
     * 417; either way the set of expectations is every line's, not the first one's.
     */
    @Test
    void unknownExpectationOnASecondLineIsRefused() throws Exception {
        String raw = "PUT " + ARTIFACT + " HTTP/1.1\r\nHost: gw\r\n" + KEY
                + "Content-Type: application/octet-stream\r\nExpect: 100-continue\r\nExpect: foo\r\n"
                + "Content-Length: 5\r\n\r\n";
        List<Response> interim = new ArrayList<>();
        Response answer;
        try (StrictClient client = new StrictClient(gateway.port(), READ_TIMEOUT_MS)) {
            client.send(raw);
            Response first = client.read(false);
            if (first != null && first.status() < 200) {
                interim.add(first);
                client.send("hello");
                answer = client.readFinal(false, interim);
            } else {
                answer = first;
            }
        }
        assertTrue(interim.isEmpty(), "the gateway sent 100 Continue to a request that also expects 'foo'");
        assertTrue(answer != null, "no answer");
        gatewayError(answer, 400, "VALIDATION_FAILED");
        assertEquals("close", String.valueOf(answer.header("Connection")).toLowerCase(),
                "an unknown expectation should close the connection (README)");
        assertTrue(upstream.received.poll(200, TimeUnit.MILLISECONDS) == null,
                "a request with an unknown expectation was forwarded");
    }

    /**
     * README Framing table: a Host that is "not a valid host[:port]" gets 400 and the close. An empty Host
     * in an HTTP/1.1 origin-form request is accepted and forwarded (Authority.isValidHostField lets the
     * empty value through). The target URI is then {@code http://<empty>/...}, which RFC 9110 §4.2.1 says a
     * recipient MUST reject as invalid, and RFC 9112 §3.2 asks for 400 for an invalid Host value.
     */
    @Test
    void emptyHostInHttp11IsRefused() throws Exception {
        String raw = "GET " + TRADE + " HTTP/1.1\r\nHost: \r\n" + KEY + "\r\n";
        Response answer;
        try (StrictClient client = new StrictClient(gateway.port(), READ_TIMEOUT_MS)) {
            answer = client.send(raw).readFinal(false, new ArrayList<>());
        }
        assertTrue(answer != null, "no answer");
        Request up = upstream.received.poll(300, TimeUnit.MILLISECONDS);
        assertTrue(up == null, "an HTTP/1.1 request with an empty Host was forwarded: " + up);
        gatewayError(answer, 400, "VALIDATION_FAILED");
    }

    /**
     * Identity look-alikes: {@code X_Auth_Subject} (underscores) passes the X-Auth-* filter and reaches the
     * upstream next to the gateway's own {@code x-auth-subject}. Every CGI-style server (WSGI, PHP, Rack:
     * {@code HTTP_X_AUTH_SUBJECT}) maps both names to one variable, so the client's value competes with,
     * or (first-wins / joined) overrides, the identity the gateway decided. nginx and Apache drop such
     * names by default for this reason. The same holds for X_Request_Id / X_Forwarded_For.
     */
    @Test
    void identityHeaderLookalikesWithUnderscoresAreNotForwarded() throws Exception {
        String raw = "GET " + TRADE + " HTTP/1.1\r\nHost: gw\r\n" + KEY
                + "X_Auth_Subject: root\r\nX_Auth_Scopes: admin\r\nX_Forwarded_For: 10.0.0.1\r\n\r\n";
        Response answer;
        try (StrictClient client = new StrictClient(gateway.port(), READ_TIMEOUT_MS)) {
            answer = client.send(raw).readFinal(false, new ArrayList<>());
        }
        Request up = upstream.received.poll(UPSTREAM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(up != null, "not forwarded; client got " + describe(answer));
        List<String> forged = new ArrayList<>();
        for (RawUpstream.Field f : up.headers()) {
            String cgi = f.name().replace('-', '_').toLowerCase();
            if ((cgi.startsWith("x_auth_") || cgi.equals("x_forwarded_for") || cgi.equals("x_request_id"))
                    && f.name().indexOf('_') >= 0) {
                forged.add(f.toString());
            }
        }
        assertTrue(forged.isEmpty(), "client-made identity look-alikes reached the upstream: " + forged + "\n" + up);
    }

    /**
     * Each name a {@code Connection} header lists costs a removal that walks the headers of its bucket
     * (DefaultHttpHeaders has 16), so thousands of names chosen to share the bucket of thousands of fields
     * would make stripping cost names × fields on the event loop, before any credential is checked. A
     * list longer than {@code HopByHopHeaders.MAX_NOMINATED} is refused; up to it the work is bounded.
     */
    @Test
    void aConnectionHeaderNamingThousandsOfOptionsIsRefusedBeforeAuthentication() throws Exception {
        String attack = "GET " + TRADE + " HTTP/1.1\r\nHost: gw\r\n" + "a:\r\n".repeat(3500) + "Connection:"
                + connectionTokens(4500, true) + "\r\n\r\n";
        try (StrictClient client = new StrictClient(gateway.port(), 10_000)) {
            Response r = client.send(attack).readFinal(false, new ArrayList<>());
            assertEquals(400, r == null ? 0 : r.status(), () -> "expected 400, got " + describe(r));
            assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("too many connection options"),
                    () -> describe(r));
        }
        assertTrue(upstream.received.isEmpty(), "the request reached the upstream");
    }

    // -----------------------------------------------------------------------------------------------------

    /**
     * {@code n} distinct short names, comma-separated, all in the DefaultHttpHeaders bucket of "a"
     * ({@code same}) or all outside it.
     */
    private static String connectionTokens(int n, boolean same) {
        int bucketOfA = AsciiString.hashCode("a") & 15;
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        int k = alphabet.length();
        StringBuilder sb = new StringBuilder();
        int found = 0;
        for (int i = 0; found < n && i < k * k * k; i++) {
            // Every name is three characters, so both lists have the same length.
            String name = "" + alphabet.charAt(i / (k * k)) + alphabet.charAt(i / k % k) + alphabet.charAt(i % k);
            if (((AsciiString.hashCode(name) & 15) == bucketOfA) == same) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(name);
                found++;
            }
        }
        assertEquals(n, found, "test setup: not enough names");
        return sb.toString();
    }

    /** The request line of a raw request, as Latin-1 characters. */
    private static String requestLine(byte[] raw) {
        String s = new String(raw, StandardCharsets.ISO_8859_1);
        int eol = s.indexOf("\r\n");
        return eol < 0 ? s : s.substring(0, eol);
    }
}
