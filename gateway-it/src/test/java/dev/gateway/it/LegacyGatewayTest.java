package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import java.io.IOException;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The old gateway, run by {@link LegacyGateway} in front of a {@link TestUpstream}: the fixture itself,
 * and the behaviour of the old gateway that the migration relies on (which credentials it takes, what it
 * does with a caller's request id and {@code X-Auth-*} headers, how it refuses a caller without
 * credentials).
 */
class LegacyGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    /** The scopes of the old gateway's default API key. */
    private static final String DEMO_SCOPES = "trades:read trades:write tasks:read tasks:write";

    static TestUpstream upstream;
    static LegacyGateway legacy;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        String url = "http://" + upstream.endpoint();
        legacy = LegacyGateway.start(url, url, Map.of());
    }

    @AfterAll
    static void stop() {
        if (legacy != null) {
            legacy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    void forget() {
        upstream.received.clear();
    }

    @Test
    void theDemoApiKeyIsProxiedToTheUpstream() throws Exception {
        HttpResponse<String> r = get(legacy, TRADE, "X-API-Key", LegacyGateway.DEMO_API_KEY);
        assertEquals(200, r.statusCode(), shown(r));
        assertEquals("{\"ok\":true}", r.body(), "the upstream's answer, passed back");
        TestUpstream.Recorded seen = arrived();
        assertEquals("GET", seen.method());
        assertEquals(TRADE, seen.uri());
        assertEquals(upstream.endpoint(), seen.headers().get("host"), "Host is the upstream's own");
        assertEquals(List.of("demo"), seen.headers().getAll("x-auth-subject"));
        assertEquals(List.of(DEMO_SCOPES), seen.headers().getAll("x-auth-scopes"));
        assertEquals(List.of("apikey"), seen.headers().getAll("x-auth-method"));
        assertNull(seen.headers().get("x-api-key"), "the key is not forwarded");
    }

    @Test
    void anHs256TokenSignedWithItsDefaultSecretIsProxied() throws Exception {
        String token = Jwts.sign(JWSAlgorithm.HS256, null, Jwts.claims("svc-legacy-it", "trades:read").build(),
                Jwts.macSigner(LegacyGateway.DEMO_JWT_SECRET.getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> r = get(legacy, TRADE, "Authorization", "Bearer " + token);
        assertEquals(200, r.statusCode(), shown(r));
        TestUpstream.Recorded seen = arrived();
        assertEquals(TRADE, seen.uri());
        assertEquals(List.of("svc-legacy-it"), seen.headers().getAll("x-auth-subject"));
        assertEquals(List.of("trades:read"), seen.headers().getAll("x-auth-scopes"));
        assertEquals(List.of("jwt"), seen.headers().getAll("x-auth-method"));
        assertNull(seen.headers().get("authorization"), "the token is not forwarded");
    }

    /** The new gateway sends its own request id through the old one, so it must arrive upstream as sent. */
    @Test
    void theCallersRequestIdIsKeptAndSentUpstream() throws Exception {
        String id = "gw-01JD7Q.request_id-0001";
        HttpResponse<String> r = get(legacy, TRADE, "X-API-Key", LegacyGateway.DEMO_API_KEY, "X-Request-Id", id);
        assertEquals(200, r.statusCode(), shown(r));
        assertEquals(List.of(id), r.headers().allValues("x-request-id"), "returned to the caller");
        assertEquals(List.of(id), arrived().headers().getAll("x-request-id"), "sent upstream, once");
    }

    /** What such an id may be: ^[A-Za-z0-9._-]{1,128}$; anything else is replaced by one of its own. */
    @Test
    void aRequestIdOutsideItsAlphabetOrOver128CharactersIsReplaced() throws Exception {
        String longest = "r".repeat(128);
        HttpResponse<String> kept = get(legacy, TRADE, "X-API-Key", LegacyGateway.DEMO_API_KEY,
                "X-Request-Id", longest);
        assertEquals(longest, kept.headers().firstValue("x-request-id").orElse(null));
        assertEquals(longest, arrived().headers().get("x-request-id"));
        for (String bad : List.of("r".repeat(129), "has space", "a/b", "id:1")) {
            HttpResponse<String> r = get(legacy, TRADE, "X-API-Key", LegacyGateway.DEMO_API_KEY, "X-Request-Id", bad);
            assertEquals(200, r.statusCode(), shown(r));
            String made = r.headers().firstValue("x-request-id").orElse("");
            assertNotEquals(bad, made);
            assertTrue(made.matches("[A-Za-z0-9._-]{1,128}"), made);
            assertEquals(List.of(made), arrived().headers().getAll("x-request-id"),
                    "the id it made, not the caller's, goes upstream");
        }
    }

    @Test
    void withoutCredentialsItAnswers401WithTheErrorEnvelope() throws Exception {
        HttpResponse<String> r = get(legacy, TRADE);
        assertEquals(401, r.statusCode(), shown(r));
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), shown(r));
        assertEquals("Bearer realm=\"gateway\"", r.headers().firstValue("www-authenticate").orElse(null));
        JsonNode body = JSON.readTree(r.body());
        assertEquals(List.of("error"), fieldNames(body), r.body());
        JsonNode error = body.get("error");
        assertEquals(List.of("code", "message", "requestId"), fieldNames(error), r.body());
        assertEquals("UNAUTHENTICATED", error.get("code").asText());
        assertEquals("credentials required", error.get("message").asText());
        assertEquals(r.headers().firstValue("x-request-id").orElse(null), error.get("requestId").asText(),
                "the body's requestId is the response's X-Request-Id");
        assertNull(upstream.received.poll(300, TimeUnit.MILLISECONDS), "a refused request must not reach the upstream");
    }

    @Test
    void itReplacesTheCallersXAuthHeaders() throws Exception {
        HttpResponse<String> r = get(legacy, TRADE, "X-API-Key", LegacyGateway.DEMO_API_KEY,
                "X-Auth-Subject", "mallory", "X-Auth-Scopes", "admin", "X-Auth-Method", "jwt",
                "X-Auth-Tenant", "other-desk");
        assertEquals(200, r.statusCode(), shown(r));
        TestUpstream.Recorded seen = arrived();
        assertEquals(List.of("demo"), seen.headers().getAll("x-auth-subject"));
        assertEquals(List.of(DEMO_SCOPES), seen.headers().getAll("x-auth-scopes"));
        assertEquals(List.of("apikey"), seen.headers().getAll("x-auth-method"));
        assertEquals(List.of(), seen.headers().getAll("x-auth-tenant"), "one it does not set itself is removed");
    }

    /** A second instance beside the first, with its environment extended, and stopped by close(). */
    @Test
    void extraEnvironmentAndClose() throws Exception {
        String url = "http://" + upstream.endpoint();
        int port;
        try (LegacyGateway logging = LegacyGateway.start(url, url, Map.of("ACCESS_LOG", "on"))) {
            port = logging.port();
            assertNotEquals(legacy.port(), port);
            assertEquals(200, get(logging, TRADE, "X-API-Key", LegacyGateway.DEMO_API_KEY,
                    "X-Request-Id", "it-legacy-access-log").statusCode(), logging.output());
            Poll.until(Duration.ofSeconds(10), "its access log line, in:\n" + logging.output(),
                    () -> logging.output().contains("\"reqId\":\"it-legacy-access-log\""));
        }
        assertThrows(IOException.class, () -> HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.discarding()), "nothing listens once it is closed");
        assertEquals(200, get(legacy, "/healthz").statusCode(), "the other instance runs on");
    }

    @Test
    void aMissingFolderIsNamed() throws Exception {
        Path nowhere = Files.createTempDirectory("no-legacy").resolve("legacy-gateway");
        String before = System.getProperty(LegacyGateway.DIR_PROPERTY);
        System.setProperty(LegacyGateway.DIR_PROPERTY, nowhere.toString());
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, LegacyGateway::legacyDir);
            assertTrue(e.getMessage().contains(nowhere.toString()) && e.getMessage().contains("-Dlegacy.dir"),
                    e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(LegacyGateway.DIR_PROPERTY);
            } else {
                System.setProperty(LegacyGateway.DIR_PROPERTY, before);
            }
            Files.delete(nowhere.getParent());
        }
    }

    /** GET {@code path} on {@code g}'s public port with the given header names and values. */
    private static HttpResponse<String> get(LegacyGateway g, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(g.baseUri().resolve(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The one request the upstream received. */
    private static TestUpstream.Recorded arrived() throws InterruptedException {
        TestUpstream.Recorded r = upstream.received.poll(5, TimeUnit.SECONDS);
        assertNotNull(r, "nothing reached the upstream; the old gateway's output:\n" + legacy.output());
        assertNull(upstream.received.poll(), "more than one request reached the upstream");
        return r;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String shown(HttpResponse<String> r) {
        return r.statusCode() + " " + r.headers().map() + "\n" + r.body();
    }
}
