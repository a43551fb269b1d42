package dev.gateway.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gateway.core.auth.Authenticator;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.auth.Unauthenticated;
import dev.gateway.core.config.AuthConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.ratelimit.LocalRateLimiter;
import dev.gateway.core.ratelimit.RateClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a request's credentials cost on the event loop: a bearer token seen before (the common case: a
 * caller reuses its token until it expires), a token verified from scratch, an API key, and the
 * rate-limit bucket every authenticated request takes a token from.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AuthBenchmark {
    private static final String API_KEY = "bench-key";
    private static final String API_KEY_SHA256 = "b0962662e937d44c699c8305d90cbf190b3150c59b13863d1380b5cc3c711bb7";

    private Path jwks;
    private ScheduledExecutorService background;
    private Authenticator cached;
    private Authenticator uncached;
    private LocalRateLimiter limiter;
    private RateClass rateClass;
    private String rs256;
    private String es256;

    @Setup
    public void setUp() throws IOException, JOSEException {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        jwks = Files.createTempFile("bench-jwks", ".json");
        Files.writeString(jwks, new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        rs256 = "Bearer " + sign(JWSAlgorithm.RS256, rsa.getKeyID(), new RSASSASigner(rsa));
        es256 = "Bearer " + sign(JWSAlgorithm.ES256, ec.getKeyID(), new ECDSASigner(ec));
        background = Executors.newSingleThreadScheduledExecutor();
        cached = Authenticator.create(auth(10_000), background);
        uncached = Authenticator.create(auth(0), background);
        // A class that never refuses: what is measured is taking a token, not answering 429.
        rateClass = new RateClass(0, "bench", 1e12, 1_000_000);
        limiter = new LocalRateLimiter(1, background, Duration.ofSeconds(10));
    }

    private AuthConfig auth(int tokenCacheSize) {
        return GatewayConfig.fromYaml("auth:\n"
                + "  issuers: [https://issuer.bench]\n"
                + "  audience: trade-gateway\n"
                + "  jwksFile: " + jwks + "\n"
                + "  tokenCacheSize: " + tokenCacheSize + "\n"
                + "  apiKeys:\n"
                + "    bench: {sha256: " + API_KEY_SHA256 + ", scopes: [trades:read, trades:write]}\n",
                "benchmark").auth();
    }

    private static String sign(JWSAlgorithm alg, String kid, JWSSigner signer) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://issuer.bench").audience("trade-gateway")
                .subject("bench-user").issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
                .claim("scope", "trades:read trades:write").build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    @TearDown
    public void tearDown() throws IOException {
        limiter.close();
        background.shutdownNow();
        Files.deleteIfExists(jwks);
    }

    /** A bearer token verified before: hashed where it lies in the header, found in the cache. */
    @Benchmark
    public Principal cachedToken() throws Unauthenticated {
        return cached.authenticate(rs256, null);
    }

    /** A first sight of an RS256 token (2048-bit key): parse, claims and one signature check. */
    @Benchmark
    public Principal uncachedRs256() throws Unauthenticated {
        return uncached.authenticate(rs256, null);
    }

    /** The same for ES256 (P-256), whose verification the JDK makes far dearer than RS256's. */
    @Benchmark
    public Principal uncachedEs256() throws Unauthenticated {
        return uncached.authenticate(es256, null);
    }

    /** An {@code X-API-Key}: its SHA-256, compared in constant time with every configured key's. */
    @Benchmark
    public Principal apiKey() throws Unauthenticated {
        return cached.authenticate(null, API_KEY);
    }

    /** Taking a token from a known caller's bucket: one map lookup and one compare-and-set. */
    @Benchmark
    public long rateLimit() {
        return limiter.tryAcquire("k:bench", rateClass);
    }
}
