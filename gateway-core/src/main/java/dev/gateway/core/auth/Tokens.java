package dev.gateway.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gateway.core.config.AuthConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/**
 * Mints HS256 tokens with a configured secret, for local use and tests: {@code java -jar gateway.jar
 * token}. A deployment's tokens come from its identity provider.
 */
public final class Tokens {
    private Tokens() {
    }

    /**
     * @param kid the {@code auth.hmacKeys} entry to sign with, or {@code null} for the first
     * @return a compact JWS with the configuration's first issuer and its audience
     */
    public static String mint(AuthConfig auth, String kid, String subject, String scopes, Duration ttl) {
        if (auth.hmacKeys().isEmpty() || auth.issuers().isEmpty()) {
            throw new IllegalArgumentException("the configuration has no auth.hmacKeys (and auth.issuers) to sign with");
        }
        Map.Entry<String, byte[]> key = kid == null ? auth.hmacKeys().entrySet().iterator().next()
                : Map.entry(kid, auth.hmacKeys().getOrDefault(kid, new byte[0]));
        if (key.getValue().length == 0) {
            throw new IllegalArgumentException("no auth.hmacKeys entry '" + kid + "'");
        }
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(auth.issuers().get(0))
                .subject(subject)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .claim("scope", scopes);
        if (auth.audience() != null) {
            claims.audience(auth.audience());
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKey())
                .type(JOSEObjectType.JWT).build(), claims.build());
        try {
            jwt.sign(new MACSigner(key.getValue()));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot sign: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }
}
