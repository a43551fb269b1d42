package dev.gateway.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gateway.core.config.AuthConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** The subject of a verified client certificate as a caller, and its place after the request's credentials. */
class CertificateCallerTest {
    private static final X500Principal DESK = new X500Principal("CN=desk-7,O=Acme");

    private static Authenticator authenticator(boolean certificates) {
        AuthConfig config = new AuthConfig(Duration.ZERO, 8192, List.of(), null, Map.of(), null, null,
                Duration.ofMinutes(5), Duration.ofMinutes(1), 0,
                Map.of("desk", new AuthConfig.ApiKey("desk", Sha256.of("desk-key"), List.of("tasks:read"))),
                new AuthConfig.ClientCertificates(certificates,
                        Map.of("CN=desk-7,O=Acme", List.of("trades:read", "trades:write"))));
        return Authenticator.create(config, null);
    }

    @Test
    void aConfiguredSubjectIsACallerOfItsOwnKind() throws Exception {
        Principal p = authenticator(true).authenticate(null, null, DESK);
        assertEquals(Principal.MTLS, p.method());
        assertEquals("CN=desk-7,O=Acme", p.subject());
        assertEquals("trades:read trades:write", p.scopeHeader());
        assertEquals("c:CN=desk-7,O=Acme", p.callerKey());
        assertNull(p.missingScope(List.of("trades:write")));
    }

    @Test
    void theSubjectMatchesHoweverTheCertificateSpellsIt() throws Exception {
        Principal p = authenticator(true).authenticate(null, null, new X500Principal("cn=Desk-7, o=ACME"));
        assertEquals("CN=desk-7,O=Acme", p.subject(), "the configured spelling goes upstream");
    }

    @Test
    void aCredentialInTheRequestWins() throws Exception {
        Principal p = authenticator(true).authenticate(null, "desk-key", DESK);
        assertEquals(Principal.API_KEY, p.method());
        assertEquals("desk", p.subject());
        Unauthenticated badKey = assertThrows(Unauthenticated.class,
                () -> authenticator(true).authenticate(null, "wrong-key", DESK));
        assertEquals("unknown API key", badKey.getMessage(), "a refused credential is not replaced by the certificate");
        Unauthenticated badToken = assertThrows(Unauthenticated.class,
                () -> authenticator(true).authenticate("Bearer x.y.z", null, DESK));
        assertFalse(badToken.getMessage().isEmpty());
    }

    @Test
    void anUnknownSubjectOrCertificatesOffIsNoCredential() {
        String none = assertThrows(Unauthenticated.class, () -> authenticator(true).authenticate(null, null, null))
                .getMessage();
        Unauthenticated unknown = assertThrows(Unauthenticated.class,
                () -> authenticator(true).authenticate(null, null, new X500Principal("CN=desk-8,O=Acme")));
        assertEquals(none, unknown.getMessage());
        assertFalse(unknown.tokenGiven());
        assertEquals(none, assertThrows(Unauthenticated.class,
                () -> authenticator(false).authenticate(null, null, DESK)).getMessage());
    }
}
