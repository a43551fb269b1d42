package dev.gateway.core.auth;

import com.nimbusds.jose.jwk.JWKSet;
import dev.gateway.core.config.AuthConfig;
import dev.gateway.core.config.ConfigException;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.text.ParseException;
import java.util.concurrent.ScheduledExecutorService;
import javax.security.auth.x500.X500Principal;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Turns a request's credentials into a {@link Principal}: a bearer JWT (from the cache when it was
 * verified before), an API key, or the subject of the connection's verified TLS client certificate. Safe
 * to call from any event loop at once; never blocks.
 */
public final class Authenticator {
    /** The header an API key comes in (the contract's {@code apiKey} scheme). */
    public static final AsciiString X_API_KEY = AsciiString.cached("x-api-key");

    private static final Logger LOG = LogManager.getLogger(Authenticator.class);

    private final int maxTokenLength;
    private final JwtVerifier jwt;
    private final TokenCache cache;
    private final ApiKeys apiKeys;
    private final CertificateSubjects certificates;

    private Authenticator(int maxTokenLength, JwtVerifier jwt, TokenCache cache, ApiKeys apiKeys,
            CertificateSubjects certificates) {
        this.maxTokenLength = maxTokenLength;
        this.jwt = jwt;
        this.cache = cache;
        this.apiKeys = apiKeys;
        this.certificates = certificates;
    }

    /**
     * Loads the keys (a JWKS URL once, now, on this thread) and schedules the JWKS refresh on
     * {@code background}.
     */
    public static Authenticator create(AuthConfig config, ScheduledExecutorService background) {
        VerificationKeys local = VerificationKeys.hmac(config.hmacKeys());
        if (config.jwksFile() != null) {
            JWKSet set;
            try {
                set = JWKSet.load(config.jwksFile().toFile());
            } catch (IOException e) {
                throw ConfigException.ofSetting("auth.jwksFile", "names a file that cannot be read ("
                        + e.getClass().getSimpleName() + ")");
            } catch (ParseException e) {
                // Not its text: a private key set given by mistake would be quoted.
                throw ConfigException.ofSetting("auth.jwksFile", "names a file that is not a JWK set");
            }
            local = local.and(VerificationKeys.publicKeys(set,
                    skipped -> LOG.warn("auth.jwksFile: key {} left out", skipped)));
        }
        RemoteKeys remote = null;
        if (config.jwksUrl() != null) {
            remote = new RemoteKeys(config.jwksUrl(), config.jwksRefresh(), config.jwksMinRefresh(), background);
            remote.fetchNow();
        }
        JwtVerifier verifier = config.acceptsTokens() ? new JwtVerifier(local, remote, config.issuers(),
                config.audience(), config.clockSkew().toMillis()) : null;
        AuthConfig.ClientCertificates c = config.clientCertificates();
        if (verifier == null && config.apiKeys().isEmpty() && (!c.enabled() || c.subjects().isEmpty())) {
            LOG.warn("no credentials configured (auth.hmacKeys, jwksFile, jwksUrl, apiKeys, clientCertificates): "
                    + "every operation that needs a caller answers 401");
        }
        return new Authenticator(config.maxTokenBytes(), verifier,
                config.tokenCacheSize() > 0 ? new TokenCache(config.tokenCacheSize()) : null,
                new ApiKeys(config.apiKeys().values()), new CertificateSubjects(c));
    }

    /**
     * The caller of a request that carries its credential in its headers (no client certificate).
     *
     * @see #authenticate(String, String, X500Principal)
     */
    public Principal authenticate(String authorization, String apiKey) throws Unauthenticated {
        return authenticate(authorization, apiKey, null);
    }

    /**
     * The caller of a request. A credential in the request wins over the connection's certificate: the
     * {@code Authorization} header when present, else {@code X-API-Key}, and only when it carries neither
     * the certificate's subject ({@code auth.clientCertificates}).
     *
     * @param authorization the {@code Authorization} header, or {@code null}; when present it is the
     *     credential, and nothing else is looked at
     * @param apiKey the {@code X-API-Key} header, or {@code null}
     * @param certificateSubject the subject of the client certificate the connection's TLS handshake
     *     verified (RFC 5280 section 4.1.2.6), or {@code null} when it presented none
     * @return the caller
     * @throws Unauthenticated the credential is refused, or there is none: a certificate whose subject is
     *     not configured (or with {@code auth.clientCertificates.enabled} false) counts as none
     */
    public Principal authenticate(String authorization, String apiKey, X500Principal certificateSubject)
            throws Unauthenticated {
        if (authorization != null) {
            return bearer(authorization);
        }
        if (apiKey != null) {
            return apiKeys.find(apiKey);
        }
        if (certificateSubject != null) {
            Principal p = certificates.find(certificateSubject);
            if (p != null) {
                return p;
            }
        }
        throw new Unauthenticated("credentials are required: a bearer token or an API key", false);
    }

    private Principal bearer(String authorization) throws Unauthenticated {
        // "Bearer" is case-insensitive (RFC 9110 §11.1); one space, then the token.
        if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Unauthenticated("Authorization must be a Bearer token", false);
        }
        int start = 7;
        while (start < authorization.length() && authorization.charAt(start) == ' ') {
            start++;
        }
        if (authorization.length() - start > maxTokenLength) {
            throw JwtVerifier.invalid("token is longer than " + maxTokenLength + " bytes");
        }
        if (jwt == null) {
            throw JwtVerifier.invalid("no token issuer is configured");
        }
        long now = System.currentTimeMillis();
        if (cache == null) {
            return jwt.verify(authorization.substring(start), now);
        }
        // Hashed where it lies in the header: a cached token costs no copy of it.
        TokenCache.Key key = TokenCache.Key.of(authorization, start);
        Principal p = cache.get(key, now);
        if (p == null) {
            p = jwt.verify(authorization.substring(start), now);
            cache.put(key, p);
        }
        return p;
    }

    /** Verified tokens held now (for tests and metrics). */
    int cachedTokens() {
        return cache == null ? 0 : cache.size();
    }
}
