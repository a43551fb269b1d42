package dev.gateway.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.stage.StageHarness.Answer;
import dev.gateway.testing.LeakGuard;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Authentication} alone, with a real authenticator (two API keys, one HS256 key): 401 with the
 * challenge when the caller cannot be told, 403 when a required scope is missing, and the caller
 * recorded on the exchange when it may go on. Routing's work (target, operation) is given.
 */
@ExtendWith(LeakGuard.class)
class AuthenticationTest {
    private static final String TRADE = "/v1/trades/trd_0123456789abcdefghij";
    private static final String CHALLENGE = "Bearer realm=\"gateway\"";
    private static final String CHALLENGE_INVALID = "Bearer realm=\"gateway\", error=\"invalid_token\"";

    private static StageFixture fixture;
    private StageHarness h;

    @BeforeAll
    static void parts() {
        fixture = new StageFixture();
    }

    @AfterAll
    static void closeParts() {
        fixture.close();
    }

    @BeforeEach
    void authentication() {
        h = new StageHarness(fixture, fixture.routed(), s -> new Authentication(s.exchanges, fixture.authenticator, fixture.metrics));
    }

    @AfterEach
    void everyBufferReleased() {
        h.close();
    }

    private static String request(HttpMethod method, String path, String... headers) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: gw\r\n");
        for (String header : headers) {
            b.append(header).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    private double rejections(String code) {
        return fixture.sample("gateway_auth_rejections_total", "code", code);
    }

    private void unauthenticated(String message, String challenge) {
        Answer a = h.answer();
        assertEquals(401, a.status());
        assertEquals("UNAUTHENTICATED", a.code());
        assertEquals(message, a.message());
        assertEquals(challenge, a.headers().get("www-authenticate"));
        assertEquals(h.exchange().requestId(), a.error().get("requestId").asText());
        assertFalse(a.closes());
        assertTrue(h.passed.isEmpty(), "nothing goes on: " + h.passed);
        assertNull(h.exchange().principal());
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void noCredentialsIs401WithTheChallenge() {
        double before = rejections("UNAUTHENTICATED");
        h.send(request(HttpMethod.GET, TRADE));
        unauthenticated("credentials are required: a bearer token or an API key", CHALLENGE);
        assertEquals(1.0, rejections("UNAUTHENTICATED") - before, 1e-9);
    }

    @Test
    void anUnknownApiKeyIs401WithoutInvalidToken() {
        h.send(request(HttpMethod.GET, TRADE, "X-API-Key: not-a-configured-key"));
        unauthenticated("unknown API key", CHALLENGE);
    }

    @Test
    void anAuthorizationThatIsNotBearerIs401() {
        h.send(request(HttpMethod.GET, TRADE, "Authorization: Basic ZGVzazpwYXNz"));
        unauthenticated("Authorization must be a Bearer token", CHALLENGE);
    }

    @Test
    void aTokenSignedWithAnotherKeyIs401InvalidToken() {
        Instant now = Instant.now();
        String forged = StageFixture.hs256(new JWTClaimsSet.Builder().issuer(StageFixture.ISSUER).subject("svc")
                .expirationTime(Date.from(now.plusSeconds(60))).claim("scope", "trades:read").build(),
                "another-secret-of-at-least-32-bytes-long!");
        h.send(request(HttpMethod.GET, TRADE, "Authorization: Bearer " + forged));
        unauthenticated("token signature does not verify", CHALLENGE_INVALID);
    }

    @Test
    void anExpiredTokenIs401InvalidToken() {
        Instant past = Instant.now().minusSeconds(3600);
        String expired = StageFixture.hs256(new JWTClaimsSet.Builder().issuer(StageFixture.ISSUER).subject("svc")
                .expirationTime(Date.from(past)).claim("scope", "trades:read").build(), StageFixture.HMAC_SECRET);
        h.send(request(HttpMethod.GET, TRADE, "Authorization: Bearer " + expired));
        unauthenticated("token expired", CHALLENGE_INVALID);
    }

    @Test
    void aBadTokenIsNotRescuedByAGoodApiKey() {
        h.send(request(HttpMethod.GET, TRADE, "Authorization: Bearer not.a.token",
                "X-API-Key: " + StageFixture.DESK_KEY));
        Answer a = h.answer();
        assertEquals(401, a.status());
        assertEquals(CHALLENGE_INVALID, a.headers().get("www-authenticate"));
        assertTrue(h.passed.isEmpty());
    }

    @Test
    void aValidApiKeyPassesWithItsCaller() {
        h.send(request(HttpMethod.GET, TRADE, "X-API-Key: " + StageFixture.READER_KEY));
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size(), "the head and its end");
        Principal p = h.exchange().principal();
        assertEquals("reader", p.subject());
        assertEquals(Principal.API_KEY, p.method());
        assertEquals("trades:read", p.scopeHeader());
        assertEquals("k:reader", p.callerKey());
        HttpRequest passed = h.passedRequests().get(0);
        assertEquals(StageFixture.READER_KEY, passed.headers().get("x-api-key"),
                "credentials are the proxy's to remove, after every stage has read the head");
        assertEquals(1, h.state.inFlight());
    }

    @Test
    void aValidJwtPassesWithItsCaller() {
        String token = StageFixture.jwt("svc-desk-7", "trades:read trades:write");
        h.send(request(HttpMethod.POST, "/v1/trades", "Authorization: bearer " + token, "Content-Length: 2"));
        assertTrue(h.answers().isEmpty());
        Principal p = h.exchange().principal();
        assertEquals("svc-desk-7", p.subject());
        assertEquals(Principal.JWT, p.method());
        assertEquals("trades:read trades:write", p.scopeHeader());
        assertEquals("j:svc-desk-7", p.callerKey());
        assertEquals(1, h.passed.size(), "the head goes on before its body: " + h.passed);
        h.send("{}");
        assertEquals(2, h.passed.size(), "then the body, as it came: " + h.passed);
    }

    @Test
    void aMissingScopeIs403AndTheBodyIsDropped() {
        double before = rejections("FORBIDDEN");
        h.send(request(HttpMethod.POST, "/v1/trades", "X-API-Key: " + StageFixture.READER_KEY,
                "Content-Type: application/json", "Content-Length: 2") + "{}");
        Answer a = h.answer();
        assertEquals(403, a.status());
        assertEquals("FORBIDDEN", a.code());
        assertEquals("missing scope trades:write", a.message());
        assertNull(a.headers().get("www-authenticate"));
        assertTrue(h.passed.isEmpty());
        assertNull(h.exchange().principal(), "a refused caller is not recorded as admitted");
        assertEquals(1.0, rejections("FORBIDDEN") - before, 1e-9);
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void aTokenWithoutTheScopeIs403() {
        h.send(request(HttpMethod.GET, "/v1/tasks/tsk_0123456789abcdefghij",
                "Authorization: Bearer " + StageFixture.jwt("svc-trader", "trades:read trades:write")));
        Answer a = h.answer();
        assertEquals(403, a.status());
        assertEquals("missing scope tasks:read", a.message());
    }

    @Test
    void anOpenOperationPassesUntouchedWhateverItsCredentials() {
        h.send(request(HttpMethod.GET, "/healthz", "Authorization: Basic junk", "X-API-Key: junk"));
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size());
        assertNull(h.exchange().principal());
        assertEquals(List.of("Basic junk"), h.passedRequests().get(0).headers().getAll("authorization"));
    }

    @Test
    void eachRequestOfAConnectionIsAuthenticatedAnew() {
        h.send(request(HttpMethod.GET, TRADE, "X-API-Key: " + StageFixture.DESK_KEY));
        assertEquals("desk", h.exchange().principal().subject());
        h.answerAsUpstream(HttpResponseStatus.OK);
        assertEquals(200, h.answer().status());
        h.send(request(HttpMethod.GET, TRADE));
        Answer a = h.answer();
        assertEquals(401, a.status(), "no credentials on the second request: the first caller does not carry over");
        assertEquals(1, h.passedRequests().size());
        assertNull(h.ended.get(1).principal());
    }
}
