package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import dev.gateway.cli.DemoGateway;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Authentication and scopes, black box: the hostile-token suite (every token shape an attacker tries is
 * a 401 with the right challenge, and none reaches the upstream), each accepted kind of credential, the
 * identity the upstream hears, 403 for a missing scope, and the order of checks.
 */
class AuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GET = "/v1/trades/trd_abcdefghij0123456789";
    static final RSAKey FILE_RSA = Jwts.rsa("file-rsa");
    static final ECKey FILE_EC = Jwts.ec("file-ec");
    static final RSAKey URL_RSA = Jwts.rsa("url-rsa");
    static final RSAKey ROTATED_RSA = Jwts.rsa("url-rsa-rotated");
    static final RSAKey STRANGER = Jwts.rsa("file-rsa"); // same kid as ours, another key

    static TestUpstream upstream;
    static DemoGateway gateway;
    static HttpServer jwks;
    static final AtomicReference<String> served = new AtomicReference<>();
    static final AtomicInteger fetches = new AtomicInteger();
    static Path jwksFile;

    @BeforeAll
    static void start() throws Exception {
        jwksFile = Files.createTempFile("jwks", ".json");
        jwksFile.toFile().deleteOnExit();
        Files.writeString(jwksFile, new JWKSet(List.of(FILE_RSA.toPublicJWK(), FILE_EC.toPublicJWK())).toString());
        served.set(new JWKSet(URL_RSA.toPublicJWK()).toString());
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/jwks", exchange -> {
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            fetches.incrementAndGet();
        });
        jwks.start();
        upstream = new TestUpstream();
        gateway = TestGateway.startWithOwnCredentials("upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "rateLimits: {trade: ~, task: ~}\n"
                + "auth:\n"
                + "  issuers: [" + Jwts.ISSUER + "]\n"
                + "  audience: " + Jwts.AUDIENCE + "\n"
                + "  hmacKeys: {hs: " + Jwts.HMAC_SECRET + "}\n"
                + "  jwksFile: " + jwksFile + "\n"
                + "  jwksUrl: http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks\n"
                + "  apiKeys:\n"
                + "    desk-reader: {sha256: " + Hashing.sha256(Hashing.ascii("reader-key")) + ", scopes: [trades:read]}\n");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        jwks.stop(0);
    }

    @BeforeEach
    void reset() {
        upstream.received.clear();
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"ok\":true}");
    }

    private static RawHttp.Response get(String path, String credentialHeader) throws Exception {
        return request("GET", path, credentialHeader);
    }

    private static RawHttp.Response request(String method, String path, String credentialHeader) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            return c.send(method + " " + path + " HTTP/1.1\r\nHost: gw\r\n"
                    + (credentialHeader == null ? "" : credentialHeader + "\r\n") + "\r\n").read();
        }
    }

    private static String bearer(String token) {
        return "Authorization: Bearer " + token;
    }

    /** A 401 with the contract's body and challenge, and nothing sent upstream. */
    private static void assertUnauthenticated(RawHttp.Response r, boolean tokenGiven) throws Exception {
        assertEquals(401, r.status(), r.text());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("UNAUTHENTICATED", error.get("code").asText());
        assertEquals(r.header("x-request-id"), error.get("requestId").asText());
        assertEquals(tokenGiven ? "Bearer realm=\"gateway\", error=\"invalid_token\"" : "Bearer realm=\"gateway\"",
                r.header("www-authenticate"));
        assertNull(upstream.received.poll(), "a refused request must not reach the upstream");
    }

    private static JWTClaimsSet.Builder valid() {
        return Jwts.claims("svc-desk-7", "trades:read trades:write");
    }

    @TestFactory
    Stream<DynamicTest> hostileTokensAreRefused() throws Exception {
        String good = Jwts.rs256(FILE_RSA, valid().build());
        String[] parts = good.split("\\.");
        Instant now = Instant.now();
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"alg none", Jwts.raw("{\"alg\":\"none\"}", valid().build().toString(), "")});
        cases.add(new Object[] {"alg none with a signature",
                Jwts.raw("{\"alg\":\"none\",\"kid\":\"file-rsa\"}", valid().build().toString(), parts[2])});
        cases.add(new Object[] {"HS256 signed with our RSA public key (key confusion)",
                Jwts.sign(JWSAlgorithm.HS256, "file-rsa", valid().build(),
                        Jwts.macSigner(rsaPublicKeyBytes()))});
        cases.add(new Object[] {"HS256 with a secret that is not ours",
                Jwts.sign(JWSAlgorithm.HS256, "hs", valid().build(),
                        Jwts.macSigner("not-the-secret-0123456789abcdef-0123".getBytes(StandardCharsets.UTF_8)))});
        cases.add(new Object[] {"payload tampered (scope widened)", parts[0] + "."
                + Jwts.b64(valid().claim("scope", "trades:read trades:write tasks:write").build().toString())
                + "." + parts[2]});
        cases.add(new Object[] {"signature tampered", parts[0] + "." + parts[1] + "."
                + (parts[2].charAt(0) == 'A' ? 'B' : 'A') + parts[2].substring(1)});
        cases.add(new Object[] {"signature cut short", parts[0] + "." + parts[1] + "." + parts[2].substring(0, 40)});
        cases.add(new Object[] {"signed by another key under our kid", Jwts.rs256(STRANGER, valid().build())});
        cases.add(new Object[] {"RS256 header on an ES256 signature",
                Jwts.raw("{\"alg\":\"RS256\",\"kid\":\"file-ec\"}", valid().build().toString(),
                        Jwts.es256(FILE_EC, valid().build()).split("\\.")[2])});
        cases.add(new Object[] {"ES256 signature of the wrong length", Jwts.raw(
                "{\"alg\":\"ES256\",\"kid\":\"file-ec\"}", valid().build().toString(), "AAAA")});
        cases.add(new Object[] {"malformed base64url", parts[0] + ".e30!*." + parts[2]});
        cases.add(new Object[] {"header is not JSON", Jwts.b64("{\"alg\":\"RS256\"") + "." + parts[1] + "." + parts[2]});
        cases.add(new Object[] {"payload is not JSON (signed)", signedPayload("[1,2,3")});
        cases.add(new Object[] {"payload is a JSON array (signed)", signedPayload("[1,2,3]")});
        cases.add(new Object[] {"two parts only", parts[0] + "." + parts[1]});
        cases.add(new Object[] {"five parts (a JWE shape)", "a.b.c.d.e"});
        cases.add(new Object[] {"not ASCII", "\u00e9\u00e9.\u00e9.\u00e9"});
        cases.add(new Object[] {"over 8 KiB, well signed", Jwts.rs256(FILE_RSA,
                valid().claim("padding", "p".repeat(8200)).build())});
        cases.add(new Object[] {"unknown issuer", Jwts.rs256(FILE_RSA, valid().issuer("https://evil.test").build())});
        cases.add(new Object[] {"no issuer", Jwts.rs256(FILE_RSA, valid().issuer(null).build())});
        cases.add(new Object[] {"wrong audience", Jwts.rs256(FILE_RSA, valid().audience("other-api").build())});
        cases.add(new Object[] {"expired beyond the skew",
                Jwts.rs256(FILE_RSA, valid().expirationTime(Date.from(now.minusSeconds(60))).build())});
        cases.add(new Object[] {"not valid yet beyond the skew",
                Jwts.rs256(FILE_RSA, valid().notBeforeTime(Date.from(now.plusSeconds(120))).build())});
        cases.add(new Object[] {"no exp", Jwts.rs256(FILE_RSA, valid().expirationTime(null).build())});
        cases.add(new Object[] {"exp is a string", Jwts.rs256(FILE_RSA, valid().claim("exp", "tomorrow").build())});
        cases.add(new Object[] {"no sub", Jwts.rs256(FILE_RSA, valid().subject(null).build())});
        cases.add(new Object[] {"sub with a line break", Jwts.rs256(FILE_RSA, valid().subject("a\r\nX-Evil: 1").build())});
        cases.add(new Object[] {"unknown kid", Jwts.rs256(Jwts.rsa("nobody"), valid().build())});
        cases.add(new Object[] {"critical header", Jwts.raw("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}",
                valid().build().toString(), "AAAA")});
        cases.add(new Object[] {"HS512", Jwts.sign(JWSAlgorithm.HS512, "hs", valid().build(), Jwts.macSigner(
                (Jwts.HMAC_SECRET + Jwts.HMAC_SECRET).getBytes(StandardCharsets.UTF_8)))});
        cases.add(new Object[] {"unregistered algorithm", Jwts.raw("{\"alg\":\"evil-alg-<b>\",\"kid\":\"hs\"}",
                valid().build().toString(), "AAAA")});
        return cases.stream().map(c -> dynamicTest((String) c[0], () -> {
            RawHttp.Response r = get(GET, bearer((String) c[1]));
            assertUnauthenticated(r, true);
            // The message says what is wrong without echoing what the caller put in the token.
            assertFalse(r.text().toLowerCase(java.util.Locale.ROOT).contains("evil"), r.text());
        }));
    }

    private static byte[] rsaPublicKeyBytes() {
        try {
            return FILE_RSA.toRSAPublicKey().getEncoded();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A payload that is not a claims object, under a valid HS256 signature. */
    private static String signedPayload(String payload) throws Exception {
        com.nimbusds.jose.JWSObject jws = new com.nimbusds.jose.JWSObject(
                new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.HS256).keyID("hs").build(),
                new com.nimbusds.jose.Payload(payload));
        jws.sign(Jwts.macSigner(Jwts.HMAC_SECRET.getBytes(StandardCharsets.UTF_8)));
        return jws.serialize();
    }

    @Test
    void missingOrUnusableCredentialsGetTheBareChallenge() throws Exception {
        assertUnauthenticated(get(GET, null), false);
        assertUnauthenticated(get(GET, "Authorization: Basic ZGVtbzpkZW1v"), false);
        assertUnauthenticated(get(GET, "X-API-Key: no-such-key"), false);
        assertUnauthenticated(get(GET, "X-API-Key: " + "k".repeat(4000)), false);
        assertUnauthenticated(get(GET, "Authorization: Bearer"), false);
    }

    @Test
    void everyKindOfCredentialIsAccepted() throws Exception {
        Instant now = Instant.now();
        String[] accepted = {
            bearer(Jwts.rs256(FILE_RSA, valid().build())),
            bearer(Jwts.es256(FILE_EC, valid().build())),
            bearer(Jwts.hs256("hs", valid().build())),
            bearer(Jwts.hs256(null, valid().build())), // no kid: every HS256 key is tried
            bearer(Jwts.rs256(URL_RSA, valid().build())),
            "authorization: bearer " + Jwts.rs256(FILE_RSA, valid().build()), // scheme is case-insensitive
            bearer(Jwts.rs256(FILE_RSA, valid().expirationTime(Date.from(now.minusSeconds(10))).build())), // skew
            bearer(Jwts.rs256(FILE_RSA, valid().notBeforeTime(Date.from(now.plusSeconds(10))).build())),
            bearer(Jwts.rs256(FILE_RSA, valid().audience(List.of("other", Jwts.AUDIENCE)).build())),
            "X-API-Key: reader-key",
        };
        for (String credential : accepted) {
            RawHttp.Response r = get(GET, credential);
            assertEquals(200, r.status(), credential + ": " + r.text());
            assertTrue(upstream.received.poll() != null);
        }
    }

    @Test
    void theUpstreamHearsWhoCalledAndNeverTheCredential() throws Exception {
        String token = Jwts.rs256(FILE_RSA, valid().build());
        assertEquals(200, get(GET, bearer(token) + "\r\nX-Auth-Subject: root\r\nX-Auth-Scopes: admin").status());
        TestUpstream.Recorded jwt = upstream.received.poll();
        assertEquals(List.of("svc-desk-7"), jwt.headers().getAll("x-auth-subject"));
        assertEquals(List.of("trades:read trades:write"), jwt.headers().getAll("x-auth-scopes"));
        assertEquals(List.of("jwt"), jwt.headers().getAll("x-auth-method"));
        assertNull(jwt.headers().get("authorization"));

        assertEquals(200, get(GET, "X-API-Key: reader-key").status());
        TestUpstream.Recorded key = upstream.received.poll();
        assertEquals("desk-reader", key.headers().get("x-auth-subject"));
        assertEquals("trades:read", key.headers().get("x-auth-scopes"));
        assertEquals("apikey", key.headers().get("x-auth-method"));
        assertNull(key.headers().get("x-api-key"));
    }

    @Test
    void aMissingScopeIs403AndOpenOperationsNeedNothing() throws Exception {
        RawHttp.Response r = request("DELETE", GET, "X-API-Key: reader-key");
        assertEquals(403, r.status());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("FORBIDDEN", error.get("code").asText());
        assertEquals("missing scope trades:write", error.get("message").asText());
        assertNull(r.header("www-authenticate"));
        assertEquals(403, get("/v1/tasks/tsk_abcdefghij0123456789",
                bearer(Jwts.rs256(FILE_RSA, valid().build()))).status());
        assertEquals(403, get(GET, bearer(Jwts.rs256(FILE_RSA, valid().claim("scope", null).build()))).status());
        assertNull(upstream.received.poll());
        assertEquals(200, get("/healthz", null).status());
        assertEquals(200, get("/healthz", "Authorization: Bearer garbage").status());
    }

    @Test
    void authenticationComesBeforeSizeMediaTypeAndParameters() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            RawHttp.Response r = c.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 999999999\r\n\r\n").read();
            assertEquals(401, r.status());
        }
        assertEquals(401, get("/v1/trades/not-an-id?bogus=1", null).status());
        assertEquals(404, get("/v1/nowhere", null).status()); // routing first
        assertEquals(403, request("POST", "/v1/trades", "X-API-Key: reader-key").status()); // scopes before 400
    }

    @Test
    void aRotatedKeyIsFetchedWhenATokenNamesItAndOnlyThen() throws Exception {
        // Its own gateway and key set: the hostile cases above name unknown key ids too.
        AtomicReference<String> keys = new AtomicReference<>(new JWKSet(URL_RSA.toPublicJWK()).toString());
        AtomicInteger served = new AtomicInteger();
        jwks.createContext("/rotating", exchange -> {
            byte[] body = keys.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            served.incrementAndGet();
        });
        DemoGateway rotating = TestGateway.startWithOwnCredentials("upstreams:\n"
                + "  trade: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "  task: {endpoints: [" + upstream.endpoint() + "]}\n"
                + "auth: {issuers: [" + Jwts.ISSUER + "], jwksUrl: 'http://127.0.0.1:" + jwks.getAddress().getPort()
                + "/rotating'}\n");
        try (RawHttp c = new RawHttp(rotating.port())) {
            assertEquals(1, served.get(), "fetched once at start");
            String before = "GET " + GET + " HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ";
            assertEquals(200, c.send(before + Jwts.rs256(URL_RSA, valid().build()) + "\r\n\r\n").read().status());

            keys.set(new JWKSet(List.of(URL_RSA.toPublicJWK(), ROTATED_RSA.toPublicJWK())).toString());
            String rotated = before + Jwts.rs256(ROTATED_RSA, valid().build()) + "\r\n\r\n";
            // The first sight of the new kid is refused (the event loop never waits for the network) and
            // sets off one fetch in the background; once that has landed, the same token passes.
            assertEquals(401, c.send(rotated).read().status());
            long deadline = System.nanoTime() + 10_000_000_000L;
            int status;
            do {
                status = c.send(rotated).read().status();
            } while (status == 401 && System.nanoTime() < deadline);
            assertEquals(200, status);
            assertEquals(2, served.get(), "one unknown kid, one fetch");
        } finally {
            rotating.close();
            jwks.removeContext("/rotating");
        }
    }
}
