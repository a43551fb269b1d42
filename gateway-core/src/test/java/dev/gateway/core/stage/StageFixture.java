package dev.gateway.core.stage;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gateway.codec.RequestTarget;
import dev.gateway.core.admin.Probes;
import dev.gateway.core.auth.Authenticator;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.auth.Unauthenticated;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.exchange.ServerState;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.ratelimit.LocalRateLimiter;
import dev.gateway.core.ratelimit.RateClasses;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteBinder;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Upstream;
import io.netty.handler.codec.http.HttpMethod;
import io.prometheus.client.Counter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The real parts the stages are built from, made the way a gateway makes them at start: the bundled
 * contract bound to two upstreams by a small configuration, a real {@link Authenticator} that knows two
 * API keys and an HS256 key, a real {@link LocalRateLimiter}. Nothing listens: the endpoints are never
 * called.
 *
 * <p>Operations are bound by {@link RouteBinder}, as at start.
 */
final class StageFixture implements AutoCloseable {
    static final String ISSUER = "https://issuer.test";
    static final String HMAC_SECRET = "stage-tests-hs256-secret-0123456789abcdef";
    /** An API key holding every scope of the contract. */
    static final String DESK_KEY = "desk-key-7f3a9c0e5b1d";
    /** An API key that may only read trades. */
    static final String READER_KEY = "reader-key-2b8e4d6a0c";
    /** The body limits of this configuration: JSON bodies, and every other body. */
    static final long MAX_JSON_BODY = 1024;
    static final long MAX_BODY = 64;
    static final int TRADE_MAX_CONCURRENT = 2;

    final GatewayConfig config;
    final Contract contract = Contract.bundled();
    final GatewayMetrics metrics = new GatewayMetrics();
    final Map<String, Upstream> upstreams = new LinkedHashMap<>();
    final RateClasses rateClasses;
    final RouteTable routes;
    final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stage-test-background");
        t.setDaemon(true);
        return t;
    });
    final Authenticator authenticator;
    final LocalRateLimiter rateLimiter;

    StageFixture() {
        config = GatewayConfig.fromYaml(""
                + "client: {maxJsonBody: " + MAX_JSON_BODY + ", maxBody: " + MAX_BODY + "}\n"
                + "upstreams:\n"
                + "  trade: {endpoints: ['127.0.0.1:9'], maxConcurrentRequests: " + TRADE_MAX_CONCURRENT + "}\n"
                + "  task: {endpoints: ['127.0.0.1:9']}\n"
                + "auth:\n"
                + "  issuers: ['" + ISSUER + "']\n"
                + "  hmacKeys: {hs: '" + HMAC_SECRET + "'}\n"
                + "  apiKeys:\n"
                + "    desk: {sha256: " + sha256(DESK_KEY) + ", scopes: [trades:read, trades:write, tasks:read,"
                + " tasks:write]}\n"
                + "    reader: {sha256: " + sha256(READER_KEY) + ", scopes: [trades:read]}\n"
                + "rateLimits:\n"
                + "  trade: {read: {perSecond: 0.1, burst: 2}, write: {perSecond: 0.1, burst: 1}}\n"
                + "  task: ~\n", "stage-test.yaml");
        config.upstreams().values().forEach(u -> upstreams.put(u.name(), new Upstream(upstreams.size(), u,
                u.endpoints().stream().map(e -> new Endpoint(u.name(), "127.0.0.1", 9, u.breaker())).toList(),
                metrics.upstream(u.name()))));
        rateClasses = RateClasses.of(config.rateLimits());
        routes = RouteBinder.bind(contract, config, upstreams, rateClasses, metrics);
        authenticator = Authenticator.create(config.auth(), background);
        // A clock that stands still: no token comes back during a test, and every refill time is exact.
        long now = System.nanoTime();
        rateLimiter = new LocalRateLimiter(rateClasses.size(), background, Duration.ofSeconds(10), () -> now);
    }

    /** What the guard and routing would have found before a later stage: the parsed target and the operation. */
    StageHarness.Given routed() {
        return (ex, request) -> {
            ex.targetParsed(RequestTarget.parse(request.uri()));
            ex.routed(operation(request.method(), ex.target().path()));
        };
    }

    /** The operation a gateway would route {@code method path} to; fails when there is none. */
    RoutedOperation operation(HttpMethod method, String path) {
        Route route = routes.match(path);
        RoutedOperation op = route == null ? null : route.operation(method);
        if (op == null) {
            throw new AssertionError("no operation for " + method + " " + path);
        }
        return op;
    }

    Upstream upstream(String name) {
        return upstreams.get(name);
    }

    /** The probes a gateway with this state would answer {@code /healthz} and {@code /readyz} with. */
    Probes probes(ServerState state) {
        return new Probes(List.copyOf(upstreams.values()), () -> state.draining() || state.warming());
    }

    /** Refusals by rate class, indexed as the classes are, as the gateway counts them. */
    Counter.Child[] rateLimited() {
        return metrics.rateLimited(rateClasses.names());
    }

    /** A sample of this gateway's registry, 0 when it has none yet: {@code sample("x_total", "code", "FORBIDDEN")}. */
    double sample(String name, String... labelsAndValues) {
        String[] names = new String[labelsAndValues.length / 2];
        String[] values = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = labelsAndValues[2 * i];
            values[i] = labelsAndValues[2 * i + 1];
        }
        Double v = metrics.registry().getSampleValue(name, names, values);
        return v == null ? 0 : v;
    }

    /** The caller an API key stands for, as the real authenticator finds it. */
    Principal principal(String apiKey) {
        try {
            return authenticator.authenticate(null, apiKey);
        } catch (Unauthenticated e) {
            throw new AssertionError(e);
        }
    }

    /** An HS256 token of this configuration's issuer, valid for an hour. */
    static String jwt(String subject, String scopes) {
        Instant now = Instant.now();
        return hs256(new JWTClaimsSet.Builder().issuer(ISSUER).subject(subject).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(3600))).claim("scope", scopes).build(), HMAC_SECRET);
    }

    static String hs256(JWTClaimsSet claims, String secret) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("hs").build(), claims);
        try {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        rateLimiter.close();
        background.shutdownNow();
    }
}
