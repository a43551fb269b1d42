package dev.gateway.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a bearer JWT end to end with nimbus-jose-jwt doing the parsing and the cryptography: a JWS in
 * compact form, an accepted algorithm with a key of that algorithm, a signature that verifies, then the
 * claims: {@code exp} (required) and {@code nbf} within the clock skew, an accepted {@code iss}, the
 * configured {@code aud}, a {@code sub}. Every refusal is an {@link Unauthenticated} with its reason.
 */
final class JwtVerifier {
    /** What may go into {@code X-Auth-Subject} and {@code X-Auth-Scopes}. */
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7e]{1,256}");

    private final VerificationKeys localKeys;
    private final RemoteKeys remoteKeys;
    private final Set<String> issuers;
    private final String audience;
    private final long skewMillis;

    /** @param remoteKeys the JWKS URL's keys, or {@code null} */
    JwtVerifier(VerificationKeys localKeys, RemoteKeys remoteKeys, List<String> issuers, String audience,
            long skewMillis) {
        this.localKeys = localKeys;
        this.remoteKeys = remoteKeys;
        this.issuers = Set.copyOf(issuers);
        this.audience = audience;
        this.skewMillis = skewMillis;
    }

    Principal verify(String token, long nowMillis) throws Unauthenticated {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw invalid("token is not a signed JWT"); // alg none, bad base64url or JSON, wrong part count
        }
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        if (!VerificationKeys.ACCEPTED.contains(alg)) {
            // Named only when it is a registered JWS algorithm: the header is the caller's text.
            boolean registered = JWSAlgorithm.Family.SIGNATURE.contains(alg)
                    || JWSAlgorithm.Family.HMAC_SHA.contains(alg);
            throw invalid(registered ? "token algorithm " + alg + " is not accepted"
                    : "token algorithm is not accepted");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw invalid("token has critical header parameters the gateway does not understand");
        }
        String kid = header.getKeyID();
        List<JWSVerifier> keys = localKeys.candidates(alg, kid);
        if (remoteKeys != null) {
            List<JWSVerifier> remote = remoteKeys.current().candidates(alg, kid);
            if (!remote.isEmpty()) {
                keys = keys.isEmpty() ? remote : concat(keys, remote);
            } else if (keys.isEmpty() && kid != null) {
                remoteKeys.unknownKeyId();
            }
        }
        if (keys.isEmpty()) {
            throw invalid(kid == null ? "no " + alg + " key to check the token" : "unknown key id for " + alg);
        }
        if (!verifiesWithAny(jwt, keys)) {
            throw invalid("token signature does not verify");
        }
        return principal(claims(jwt), nowMillis);
    }

    private static boolean verifiesWithAny(SignedJWT jwt, List<JWSVerifier> keys) {
        for (int i = 0; i < keys.size(); i++) {
            try {
                if (jwt.verify(keys.get(i))) {
                    return true;
                }
            } catch (JOSEException | RuntimeException e) {
                // a signature of the wrong length or shape: not valid under this key
            }
        }
        return false;
    }

    private static JWTClaimsSet claims(SignedJWT jwt) throws Unauthenticated {
        try {
            return jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw invalid("token claims are not a JSON object");
        }
    }

    private Principal principal(JWTClaimsSet claims, long nowMillis) throws Unauthenticated {
        Date exp;
        Date nbf;
        String sub;
        String scope;
        try {
            exp = claims.getExpirationTime();
            nbf = claims.getNotBeforeTime();
            sub = claims.getSubject();
            scope = claims.getStringClaim("scope");
        } catch (ParseException | RuntimeException e) {
            throw invalid("token claims have the wrong types (exp, nbf, sub or scope)");
        }
        if (exp == null) {
            throw invalid("token has no exp");
        }
        long notAfter = exp.getTime() + skewMillis;
        if (nowMillis > notAfter) {
            throw invalid("token expired");
        }
        if (nbf != null && nowMillis < nbf.getTime() - skewMillis) {
            throw invalid("token is not valid yet");
        }
        if (claims.getIssuer() == null || !issuers.contains(claims.getIssuer())) {
            throw invalid("token issuer is not accepted");
        }
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            throw invalid("token audience is not accepted");
        }
        if (sub == null || !HEADER_SAFE.matcher(sub).matches()) {
            throw invalid("token has no usable sub");
        }
        List<String> scopes = scope == null || scope.isBlank() ? List.of()
                : Arrays.asList(scope.trim().split(" +"));
        for (String s : scopes) {
            if (!HEADER_SAFE.matcher(s).matches()) {
                throw invalid("token scope has characters a header cannot carry");
            }
        }
        return new Principal(sub, Principal.JWT, scopes, notAfter);
    }

    private static List<JWSVerifier> concat(List<JWSVerifier> a, List<JWSVerifier> b) {
        JWSVerifier[] all = new JWSVerifier[a.size() + b.size()];
        for (int i = 0; i < a.size(); i++) {
            all[i] = a.get(i);
        }
        for (int i = 0; i < b.size(); i++) {
            all[a.size() + i] = b.get(i);
        }
        return Arrays.asList(all);
    }

    static Unauthenticated invalid(String why) {
        return new Unauthenticated(why, true);
    }
}
