package dev.gateway.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One immutable snapshot of the gateway's settings. The bundled {@code gateway-defaults.yaml} holds
 * every setting with its default, and is the only place that does: the configuration's layers are merged
 * over it in order ({@link LayeredConfig}; maps key by key, everything else replaced), each upstream over the
 * {@code upstreamDefaults} template and each route over {@code routeDefaults}, and the result is read
 * strictly, with no fallback values in Java. A setting missing from the merged tree stops the load with a
 * {@link ConfigException} naming it.
 */
public record GatewayConfig(
        Listener listener,
        Listener admin,
        String contract,
        int eventLoops,
        Allocator allocator,
        ClientLimits client,
        Shutdown shutdown,
        Map<String, UpstreamConfig> upstreams,
        List<RouteConfig> routes,
        Map<String, OperationConfig> operations,
        AuthConfig auth,
        Map<String, RateLimitConfig> rateLimits,
        RateLimitStoreConfig rateLimitStore,
        LoggingConfig logging,
        TracingConfig tracing,
        WarmupConfig warmup,
        MigrationConfig migration) {

    /** These settings with other listeners (the public one and the admin one). */
    public GatewayConfig withListeners(Listener publicListener, Listener adminListener) {
        return new GatewayConfig(publicListener, adminListener, contract, eventLoops, allocator, client, shutdown,
                upstreams, routes, operations, auth, rateLimits, rateLimitStore, logging, tracing, warmup, migration);
    }

    /** These settings with other routes. */
    public GatewayConfig withRoutes(List<RouteConfig> other) {
        return new GatewayConfig(listener, admin, contract, eventLoops, allocator, client, shutdown, upstreams, other,
                operations, auth, rateLimits, rateLimitStore, logging, tracing, warmup, migration);
    }

    /** These settings with another warm-up. */
    public GatewayConfig withWarmup(WarmupConfig other) {
        return new GatewayConfig(listener, admin, contract, eventLoops, allocator, client, shutdown, upstreams, routes,
                operations, auth, rateLimits, rateLimitStore, logging, tracing, other, migration);
    }

    /**
     * These settings with the endpoints of the upstream {@code name} replaced (a {@code demo} one resolved,
     * say).
     *
     * @throws IllegalArgumentException there is no upstream {@code name}
     */
    public GatewayConfig withEndpoints(String name, List<String> endpoints) {
        UpstreamConfig u = upstreams.get(name);
        if (u == null) {
            throw new IllegalArgumentException("no upstream '" + name + "'");
        }
        Map<String, UpstreamConfig> other = new LinkedHashMap<>(upstreams);
        other.put(name, new UpstreamConfig(u.name(), List.copyOf(endpoints), u.connectTimeout(), u.responseTimeout(),
                u.maxConnectionsPerEndpoint(), u.maxPendingAcquires(), u.maxConcurrentRequests(), u.poolIdleTimeout(),
                u.healthCheck(), u.breaker(), u.outlierEjection(), u.retries(), u.forwardCredentials(), u.tls()));
        return new GatewayConfig(listener, admin, contract, eventLoops, allocator, client, shutdown, other, routes,
                operations, auth, rateLimits, rateLimitStore, logging, tracing, warmup, migration);
    }

    /** Endpoint value that stands for the in-process demo upstream of that service. */
    public static final String DEMO_ENDPOINT = "demo";

    /** The bundled file that gives every setting its default. */
    static final String DEFAULTS = "gateway-defaults.yaml";
    /** Strict about duplicate keys: a setting given twice is a mistake, not a silent override. */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    public GatewayConfig {
        Objects.requireNonNull(listener);
        Objects.requireNonNull(admin);
        // Declaration order is kept: /readyz and the logs list upstreams as the file does.
        upstreams = Collections.unmodifiableMap(new LinkedHashMap<>(upstreams));
        routes = List.copyOf(routes);
        operations = Collections.unmodifiableMap(new LinkedHashMap<>(operations));
        Objects.requireNonNull(auth);
        rateLimits = Collections.unmodifiableMap(new LinkedHashMap<>(rateLimits));
        Objects.requireNonNull(rateLimitStore);
    }

    /**
     * The synthetic pass through the pipeline before {@code /readyz} turns 200 ({@code WarmUp}).
     *
     * @param requests how many requests, at most
     * @param maxDuration ready after this long even if fewer requests went through
     */
    public record WarmupConfig(boolean enabled, int requests, Duration maxDuration) {
    }

    /**
     * A listener's address.
     *
     * @param tls TLS on it ({@code listener.tls}), or {@code null} for cleartext (always for the admin one)
     * @param http2 HTTP/2 on it ({@code listener.http2}), or {@code null} for HTTP/1.1 only (always for the
     *     admin one)
     */
    public record Listener(String host, int port, TlsConfig tls, Http2Config http2) {
        /** A cleartext HTTP/1.1 listener. */
        public Listener(String host, int port) {
            this(host, port, null, null);
        }
    }

    /**
     * {@code listener.http2}, when enabled: h2 chosen by ALPN over TLS (RFC 7301), h2c by prior knowledge in
     * cleartext (RFC 9113 §3.3). The first four are the SETTINGS the gateway sends (RFC 9113 §6.5.2).
     *
     * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS: streams a client may have open at once
     * @param initialStreamWindowBytes SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a stream may send ahead
     *     of the gateway's reading (bytes)
     * @param maxHeaderListBytes SETTINGS_MAX_HEADER_LIST_SIZE: a request's fields, each counted as name +
     *     value + 32 (bytes)
     * @param maxFrameBytes SETTINGS_MAX_FRAME_SIZE (bytes, 16384 to 16777215)
     * @param connectionWindowBytes the connection's receive window, shared by its streams (bytes)
     */
    public record Http2Config(int maxConcurrentStreams, int initialStreamWindowBytes, int maxHeaderListBytes,
            int maxFrameBytes, int connectionWindowBytes) {
    }

    /** The {@code listener.tls.provider} setting: which implementation terminates TLS. */
    public enum TlsProvider { AUTO, OPENSSL, JDK }

    /**
     * The {@code listener.tls.clientAuth} setting: whether the server asks for a client certificate in the
     * handshake (RFC 8446 section 4.3.2, CertificateRequest). {@code OPTIONAL}: asked for, a client may send
     * none; {@code REQUIRED}: a handshake without one fails. A certificate sent is verified either way.
     */
    public enum TlsClientAuth { NONE, OPTIONAL, REQUIRED }

    /**
     * {@code listener.tls}, when enabled.
     *
     * @param certificate PEM file: the certificate chain, the server's own first
     * @param privateKey PEM file: its private key, PKCS#8 (RSA or EC), unencrypted
     * @param protocols the TLS versions offered, such as {@code TLSv1.3} and {@code TLSv1.2}
     * @param provider OpenSSL, the JDK's, or OpenSSL when it loads
     * @param clientAuth whether a client certificate is asked for, and whether it must be sent
     * @param clientCertificateAuthorities PEM file: the CA certificates a client certificate must chain to
     *     (RFC 5280 path validation); {@code null} when {@code clientAuth} is {@code NONE}
     */
    public record TlsConfig(Path certificate, Path privateKey, List<String> protocols, TlsProvider provider,
            TlsClientAuth clientAuth, Path clientCertificateAuthorities) {
        /** Without client certificates. */
        public TlsConfig(Path certificate, Path privateKey, List<String> protocols, TlsProvider provider) {
            this(certificate, privateKey, protocols, provider, TlsClientAuth.NONE, null);
        }
    }

    /** The TLS versions {@code listener.tls.protocols} may name: 1.2 and 1.3 (RFC 8996 retired the older). */
    static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * @param level the application log's level (the {@code gateway.logLevel} system property wins)
     * @param accessLog whether one line per request is written
     */
    public record LoggingConfig(LogLevel level, boolean accessLog) {
    }

    /** The {@code logging.level} setting; the names are Log4j's levels. */
    public enum LogLevel { TRACE, DEBUG, INFO, WARN, ERROR, OFF }

    /** The {@code allocator} setting: which Netty buffer allocator every channel uses. */
    public enum Allocator { POOLED, ADAPTIVE }

    /**
     * How upstream JSON responses are checked against the contract's response schemas
     * ({@code responseValidation}): not at all, checked with mismatches logged and counted, or held until
     * checked with a mismatch answered 502.
     */
    public enum ResponseValidation { OFF, LOG, ENFORCE }

    /**
     * @param endpoint OTLP/HTTP traces URL
     * @param sampleRatio share of new traces recorded; a caller's sampled flag is honoured
     */
    public record TracingConfig(boolean enabled, String endpoint, double sampleRatio, String serviceName,
            Duration exportTimeout, Duration scheduleDelay, int maxQueueSize) {
    }

    public record ClientLimits(
            int maxRequestLineBytes,
            int maxHeaderBytes,
            Duration headersTimeout,
            Duration bodyIdleTimeout,
            Duration keepAliveIdleTimeout,
            long maxJsonBodyBytes,
            long maxBodyBytes,
            int maxConnections) {
    }

    public record Shutdown(Duration drainDelay, Duration grace) {
    }

    /**
     * @param tls TLS to its endpoints ({@code tls}), or {@code null} for cleartext
     */
    public record UpstreamConfig(
            String name,
            List<String> endpoints,
            Duration connectTimeout,
            Duration responseTimeout,
            int maxConnectionsPerEndpoint,
            int maxPendingAcquires,
            int maxConcurrentRequests,
            Duration poolIdleTimeout,
            HealthCheckConfig healthCheck,
            BreakerConfig breaker,
            EjectionConfig outlierEjection,
            RetryConfig retries,
            boolean forwardCredentials,
            UpstreamTlsConfig tls) {
    }

    /**
     * {@code upstreams.NAME.tls}, when enabled: TLS 1.3 or 1.2 to every endpoint, the endpoint's certificate
     * checked against the trust anchors and against the name (RFC 9110 section 4.3.4, RFC 6125), always.
     *
     * @param trustStore PEM file of the CA certificates trusted, or {@code null} for the JDK's default trust
     *     anchors
     * @param serverName the name sent as SNI (RFC 6066 section 3) and checked against the certificate (an IP
     *     address: no SNI, checked against the certificate's IP addresses), or {@code null} for each
     *     endpoint's own host
     */
    public record UpstreamTlsConfig(Path trustStore, String serverName) {
    }

    /**
     * Active health checks of each endpoint.
     *
     * @param path {@code null}: a TCP connection is the check; else {@code GET path} must answer 2xx
     */
    public record HealthCheckConfig(String path, Duration interval, Duration timeout, int healthyThreshold,
            int unhealthyThreshold) {
    }

    /**
     * An endpoint's circuit breaker: it opens when, within {@code window}, at least {@code minimumCalls}
     * calls were made and {@code failureRateThreshold} percent of them failed; after {@code openDelay} it
     * lets {@code halfOpenPermits} trial calls through, and closes when they all succeed.
     */
    public record BreakerConfig(int failureRateThreshold, int minimumCalls, Duration window, Duration openDelay,
            int halfOpenPermits) {
    }

    /**
     * Passive outlier ejection: {@code consecutiveFailures} failures in a row (connect failures, 5xx,
     * no answer) take an endpoint out of balancing for {@code baseEjectionTime} times the number of its
     * recent ejections, at most {@code maxEjectionTime}; never more than {@code maxEjectionPercent} of an
     * upstream's endpoints at once.
     */
    public record EjectionConfig(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
            int maxEjectionPercent) {
    }

    /**
     * Retries of requests that failed before any of their bytes reached an upstream: at most
     * {@code maxRetries} per request, and, per event loop over a 10 s window, at most
     * {@code budgetPercent} percent of the requests plus {@code minRetriesPerWindow}.
     */
    public record RetryConfig(int maxRetries, int budgetPercent, int minRetriesPerWindow) {
    }

    /**
     * @param responseValidation for the operations under it
     * @param totalTimeout start of forwarding to response headers, all attempts included (not for streams)
     */
    public record RouteConfig(String prefix, String upstream, ResponseValidation responseValidation,
            Duration totalTimeout, MigrationConfig.SplitConfig split, MigrationConfig.ShadowConfig shadow) {
        /** A route without split or shadow. */
        public RouteConfig(String prefix, String upstream, ResponseValidation responseValidation, Duration totalTimeout) {
            this(prefix, upstream, responseValidation, totalTimeout, null, null);
        }

        /** The same route with another split and shadow (either may be {@code null}). */
        public RouteConfig withMigration(MigrationConfig.SplitConfig otherSplit, MigrationConfig.ShadowConfig otherShadow) {
            return new RouteConfig(prefix, upstream, responseValidation, totalTimeout, otherSplit, otherShadow);
        }
    }

    /**
     * Per-operation overrides, keyed by the contract's operationId; {@code null} where not overridden.
     * They have no defaults: each falls back to its upstream's, route's or client's setting.
     */
    public record OperationConfig(String operationId, Duration responseTimeout, Duration idleTimeout,
            Long maxBodyBytes, ResponseValidation responseValidation) {
    }

    /**
     * Per-caller token buckets for the operations of one upstream, reads ({@code GET}, {@code HEAD}) and
     * writes apart; {@code null} where that kind is not limited.
     */
    public record RateLimitConfig(String upstream, Bucket read, Bucket write) {
    }

    /**
     * Where the rate limits' buckets live ({@code rateLimits.store}, {@code rateLimits.redis}).
     *
     * @param store {@code local}: each replica counts alone; {@code redis}: replicas share buckets on Redis
     * @param redis the Redis settings, {@code null} when the store is local
     */
    public record RateLimitStoreConfig(RateLimitStore store, RedisStoreConfig redis) {
        /** Each replica counts alone (the warm-up's private copy, or {@code rateLimits: ~}: nothing limited). */
        public static final RateLimitStoreConfig LOCAL = new RateLimitStoreConfig(RateLimitStore.LOCAL, null);
    }

    /** The {@code rateLimits.store} setting. */
    public enum RateLimitStore { LOCAL, REDIS }

    /**
     * The shared buckets' Redis ({@code rateLimits.redis}).
     *
     * @param address Redis's {@code host:port}
     * @param timeout how long one command (a lease, a probe) may take before it counts as failed
     * @param leaseSize tokens a replica holds per caller and class at most (the error bound grows with it)
     * @param expectedReplicas replicas sharing the limits: each one's fallback admits perSecond / this
     * @param probeInterval how often a Redis marked down is probed ({@code PING})
     * @param username the ACL user Redis authenticates ({@code AUTH username password}); empty for the
     *     default user
     * @param password the password Redis asks for (UTF-8 bytes), or {@code null} when it asks for none
     */
    public record RedisStoreConfig(HostPort address, Duration timeout, int leaseSize, int expectedReplicas,
            Duration probeInterval, String username, byte[] password) {
        /** Without credentials. */
        public RedisStoreConfig(HostPort address, Duration timeout, int leaseSize, int expectedReplicas,
                Duration probeInterval) {
            this(address, timeout, leaseSize, expectedReplicas, probeInterval, "", null);
        }

        // The password compared by content (a record compares arrays by identity) and never written out.
        @Override
        public boolean equals(Object o) {
            return o instanceof RedisStoreConfig r && address.equals(r.address) && timeout.equals(r.timeout)
                    && leaseSize == r.leaseSize && expectedReplicas == r.expectedReplicas
                    && probeInterval.equals(r.probeInterval) && username.equals(r.username)
                    && java.util.Arrays.equals(password, r.password);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(address, timeout, leaseSize, expectedReplicas, probeInterval, username);
        }

        @Override
        public String toString() {
            return "RedisStoreConfig[address=" + address + ", timeout=" + timeout + ", leaseSize=" + leaseSize
                    + ", expectedReplicas=" + expectedReplicas + ", probeInterval=" + probeInterval + ", username="
                    + username + ", password=" + (password == null ? "none" : "(set)") + "]";
        }
    }

    /** Names under {@code rateLimits} that are settings, not upstreams: no upstream may be named so. */
    static final List<String> RATE_LIMIT_SETTINGS = List.of("store", "redis");

    /** Refills {@code perSecond} tokens a second up to {@code burst}; a request takes one. */
    public record Bucket(double perSecond, int burst) {
    }

    /**
     * The defaults alone: no credentials are accepted.
     *
     * @throws ConfigException if the bundled defaults are incomplete or invalid (a bug in the jar)
     */
    public static GatewayConfig defaults() {
        return fromTree(loadDefaults());
    }

    /**
     * The settings of a user file merged over the defaults ({@link LayeredConfig} with one layer).
     *
     * @throws ConfigException if the file cannot be read or parsed, or a setting in it is unknown, given
     *     twice, of the wrong type, out of range or not one of its accepted values; the message names the
     *     file, the line and column where known, and the setting, never a value
     */
    public static GatewayConfig load(Path file) {
        return LayeredConfig.load(List.of(ConfigLayer.file(file))).config();
    }

    /**
     * Parses YAML text merged over the defaults; {@code origin} names it in errors.
     *
     * @throws ConfigException as {@link #load} does
     */
    public static GatewayConfig fromYaml(String yaml, String origin) {
        return LayeredConfig.load(List.of(ConfigLayer.yaml(origin, yaml))).config();
    }

    /** A fresh copy of the bundled defaults tree, to be merged into (tests change it too). */
    static ObjectNode loadDefaults() {
        return (ObjectNode) readResource(DEFAULTS);
    }

    private static JsonNode readResource(String name) {
        try (InputStream in = GatewayConfig.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path");
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    /**
     * Maps merge key by key; a key set to null ({@code ~}) removes the default (an upstream, an override).
     * Also merges an upstream or route over its template ({@link ConfigReader#entries(String, ObjectNode)}).
     */
    static void merge(ObjectNode base, ObjectNode over) {
        over.fields().forEachRemaining(e -> {
            JsonNode old = base.get(e.getKey());
            if (e.getValue().isNull()) {
                base.remove(e.getKey());
            } else if (old instanceof ObjectNode && e.getValue() instanceof ObjectNode) {
                merge((ObjectNode) old, (ObjectNode) e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        });
    }

    /**
     * Reads a merged tree (defaults and user file), every setting from the tree itself.
     *
     * @throws ConfigException naming the first setting that is missing or invalid
     */
    static GatewayConfig fromTree(JsonNode tree) {
        ConfigReader root = new ConfigReader(tree, "");
        Listener listener = publicListener(root.child("listener"));
        Listener admin = listener(root.child("admin"));
        String contract = root.string("contract");
        int eventLoops = root.integer("eventLoops", 0, 256);
        Allocator allocator = root.mode("allocator", Allocator.class);
        ClientLimits client = clientLimits(root.child("client"));
        ConfigReader sd = root.child("shutdown");
        Shutdown shutdown = new Shutdown(sd.durationOrZero("drainDelay"), sd.durationOrZero("grace"));
        sd.rejectUnknownKeys();

        // The templates give the names the user chooses (a new upstream, a route) every setting. Each is
        // read once on its own path first, so a mistake in it is reported there, even when no entry uses it.
        ObjectNode upstreamTemplate = root.template("upstreamDefaults");
        ObjectNode probe = upstreamTemplate.deepCopy();
        probe.putArray("endpoints").add("127.0.0.1:1"); // each upstream names its own
        upstream("upstreamDefaults", new ConfigReader(probe, "upstreamDefaults"));
        ObjectNode routeTemplate = root.template("routeDefaults");
        ConfigReader rt = new ConfigReader(routeTemplate, "routeDefaults");
        rt.mode("responseValidation", ResponseValidation.class);
        rt.duration("totalTimeout");
        rt.rejectUnknownKeys();
        ObjectNode shadowTemplate = root.template("shadowDefaults");
        ObjectNode shadowProbe = shadowTemplate.deepCopy();
        shadowProbe.put("target", "-").put("percent", 0); // each route names its own
        MigrationConfig.shadowFrom(new ConfigReader(shadowProbe, "shadowDefaults"));
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        root.entries("upstreams", upstreamTemplate).forEach((name, u) -> upstreams.put(name, upstream(name, u)));
        List<RouteConfig> routes = root.list("routes", routeTemplate).stream().map(r -> {
            RouteConfig route = new RouteConfig(r.requiredString("prefix"), r.requiredString("upstream"),
                    r.mode("responseValidation", ResponseValidation.class), r.duration("totalTimeout"),
                    MigrationConfig.split(r), MigrationConfig.shadow(r, shadowTemplate));
            if (!route.prefix().startsWith("/")) {
                throw r.error("prefix", "must start with '/'");
            }
            if (!upstreams.containsKey(route.upstream())) {
                throw r.error("upstream", "names no upstream in 'upstreams'");
            }
            if (route.split() != null && !upstreams.containsKey(route.split().stable())) {
                throw r.error("split.stable", "names no upstream in 'upstreams'");
            }
            if (route.split() != null && route.split().stable().equals(route.upstream())) {
                throw r.error("split.stable", "is the route's own upstream; a split needs two stacks");
            }
            if (route.shadow() != null && !upstreams.containsKey(route.shadow().target())) {
                throw r.error("shadow.target", "names no upstream in 'upstreams'");
            }
            r.rejectUnknownKeys();
            return route;
        }).toList();
        for (int i = 0; i < routes.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (routes.get(i).prefix().equals(routes.get(j).prefix())) {
                    throw ConfigException.about("routes[" + i + "].prefix", "setting 'routes[" + i
                            + "].prefix' is the same as routes[" + j + "]'s; each prefix is one route");
                }
            }
        }
        Map<String, OperationConfig> operations = new LinkedHashMap<>();
        // Operations are overrides, without defaults or a template: what one leaves out is not overridden.
        root.entries("operations").forEach((id, o) -> {
            operations.put(id, new OperationConfig(id, o.optional("responseTimeout", o::duration).orElse(null),
                    o.optional("idleTimeout", o::duration).orElse(null),
                    o.optional("maxBodySize", o::bytes).orElse(null),
                    o.optional("responseValidation", k -> o.mode(k, ResponseValidation.class)).orElse(null)));
            o.rejectUnknownKeys();
        });
        AuthConfig auth = AuthConfig.read(root.child("auth"));
        if (auth.clientCertificates().enabled()
                && (listener.tls() == null || listener.tls().clientAuth() == TlsClientAuth.NONE)) {
            throw ConfigException.ofSetting("auth.clientCertificates.enabled", "is true, but no client certificate is "
                    + "asked for: set listener.tls.enabled and listener.tls.clientAuth (optional or required)");
        }
        for (String reserved : RATE_LIMIT_SETTINGS) {
            if (upstreams.containsKey(reserved)) {
                throw ConfigException.about("upstreams." + reserved, "setting 'upstreams." + reserved + "' is a "
                        + "reserved name: 'rateLimits." + reserved + "' is a setting of the rate limits, so an "
                        + "upstream named so could have none; rename the upstream");
            }
        }
        Map<String, RateLimitConfig> rateLimits = new LinkedHashMap<>();
        RateLimitStoreConfig rateLimitStore = rateLimitStore(root.child("rateLimits"));
        root.entries("rateLimits", null, Set.copyOf(RATE_LIMIT_SETTINGS)).forEach((name, l) -> {
            if (!upstreams.containsKey(name)) {
                throw ConfigException.about(l.path(), "setting '" + l.path() + "' names no upstream in 'upstreams' "
                        + "(drop it with 'rateLimits: {" + name + ": ~}')");
            }
            rateLimits.put(name, new RateLimitConfig(name, bucket(l, "read"), bucket(l, "write")));
            l.rejectUnknownKeys();
        });
        LoggingConfig logging = logging(root.child("logging"));
        TracingConfig tracing = tracing(root.child("tracing"));
        ConfigReader w = root.child("warmup");
        WarmupConfig warmup = new WarmupConfig(w.bool("enabled"), w.integer("requests", 1, 10_000_000),
                w.duration("maxDuration"));
        w.rejectUnknownKeys();
        MigrationConfig migration = MigrationConfig.read(root.child("migration"));
        root.rejectUnknownKeys();
        return new GatewayConfig(listener, admin, contract.isEmpty() ? null : contract, eventLoops, allocator,
                client, shutdown, upstreams, routes, operations, auth, rateLimits, rateLimitStore, logging, tracing,
                warmup, migration);
    }

    /**
     * {@code rateLimits.store} and {@code rateLimits.redis}. With {@code rateLimits: ~} nothing is limited,
     * so there is no store to read: each replica's (empty) limits are local.
     */
    private static RateLimitStoreConfig rateLimitStore(ConfigReader limits) {
        if (limits.isRemoved()) {
            return RateLimitStoreConfig.LOCAL;
        }
        RateLimitStore store = limits.mode("store", RateLimitStore.class);
        ConfigReader r = limits.child("redis");
        String password = r.string("password");
        RedisStoreConfig redis = new RedisStoreConfig(HostPort.parse(r.string("address"), r.path() + ".address"),
                r.duration("timeout"), r.integer("leaseSize", 1, 1_000_000), r.integer("expectedReplicas", 1, 10_000),
                r.duration("probeInterval"), r.string("username"),
                password.isEmpty() ? null : AuthConfig.secret(r, "password", password, 1, "a Redis password"));
        r.rejectUnknownKeys();
        return new RateLimitStoreConfig(store, store == RateLimitStore.REDIS ? redis : null);
    }

    private static LoggingConfig logging(ConfigReader r) {
        LoggingConfig c = new LoggingConfig(r.modeAnyCase("level", LogLevel.class), r.bool("accessLog"));
        r.rejectUnknownKeys();
        return c;
    }

    private static TracingConfig tracing(ConfigReader r) {
        String endpoint = r.string("endpoint");
        if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            throw r.error("endpoint", "must be an http:// or https:// URL, got '" + endpoint + "'");
        }
        TracingConfig c = new TracingConfig(r.bool("enabled"), endpoint, r.decimal("sampleRatio", 0, 1),
                r.requiredString("serviceName"), r.duration("exportTimeout"), r.duration("scheduleDelay"),
                r.integer("maxQueueSize", 1, 1_000_000));
        r.rejectUnknownKeys();
        return c;
    }

    /**
     * One kind ({@code read}, {@code write}) of an upstream's rate limits. Buckets have no template: a kind
     * left out or removed with ~ is not limited, and a bucket is given whole or not at all.
     */
    private static Bucket bucket(ConfigReader limits, String kind) {
        ConfigReader r = limits.child(kind);
        boolean rate = r.has("perSecond");
        boolean burst = r.has("burst");
        r.rejectUnknownKeys();
        if (!rate && !burst) {
            return null;
        }
        if (!rate || !burst) {
            throw r.error(rate ? "burst" : "perSecond", "is required beside " + (rate ? "perSecond" : "burst"));
        }
        return new Bucket(r.decimal("perSecond", 0.001, 1e9), r.integer("burst", 1, 1_000_000_000));
    }

    private static Listener listener(ConfigReader r) {
        Listener l = new Listener(r.requiredString("host"), r.integer("port", 0, 65535));
        r.rejectUnknownKeys();
        return l;
    }

    /** The public listener: the admin one's settings, and {@code tls}. */
    private static Listener publicListener(ConfigReader r) {
        ConfigReader t = r.child("tls");
        TlsConfig tls = null;
        List<String> protocols = t.strings("protocols");
        if (protocols.isEmpty() || !TLS_PROTOCOLS.containsAll(protocols)) {
            throw t.error("protocols", "must list some of " + String.join(", ", TLS_PROTOCOLS));
        }
        TlsProvider provider = t.mode("provider", TlsProvider.class);
        String certificate = t.string("certificate");
        String privateKey = t.string("privateKey");
        TlsClientAuth clientAuth = t.mode("clientAuth", TlsClientAuth.class);
        String authorities = t.string("clientCertificateAuthorities");
        if (t.bool("enabled")) {
            tls = new TlsConfig(file(t, "certificate", certificate, "TLS is enabled"),
                    file(t, "privateKey", privateKey, "TLS is enabled"), List.copyOf(protocols), provider, clientAuth,
                    clientAuth == TlsClientAuth.NONE ? null : file(t, "clientCertificateAuthorities", authorities,
                            "clientAuth is optional or required"));
        }
        t.rejectUnknownKeys();
        Http2Config http2 = http2(r.child("http2"));
        Listener l = new Listener(r.requiredString("host"), r.integer("port", 0, 65535), tls, http2);
        r.rejectUnknownKeys();
        return l;
    }

    /** {@code listener.http2}, or {@code null} when it is off. Bounds from RFC 9113 §6.5.2. */
    private static Http2Config http2(ConfigReader r) {
        boolean enabled = r.bool("enabled");
        Http2Config c = new Http2Config(
                r.integer("maxConcurrentStreams", 1, 1_000_000),
                (int) r.bytes("initialStreamWindow", 1024, Integer.MAX_VALUE),
                (int) r.bytes("maxHeaderListSize", 1024, Integer.MAX_VALUE),
                (int) r.bytes("maxFrameSize", 16_384, 16_777_215),
                (int) r.bytes("connectionWindow", 65_535, Integer.MAX_VALUE));
        r.rejectUnknownKeys();
        return enabled ? c : null;
    }

    /**
     * A file setting that must name a readable file; the error names the setting, not the path.
     *
     * @param when why it is required, for the error when it is empty ({@code TLS is enabled})
     */
    private static Path file(ConfigReader r, String key, String name, String when) {
        if (name.isEmpty()) {
            throw r.error(key, "is required when " + when + " (a PEM file)");
        }
        Path path = Path.of(name);
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw r.error(key, "names a file that cannot be read");
        }
        return path;
    }

    private static ClientLimits clientLimits(ConfigReader r) {
        ClientLimits c = new ClientLimits(
                (int) Math.min(r.bytes("maxRequestLine"), Integer.MAX_VALUE),
                (int) Math.min(r.bytes("maxHeaderBytes"), Integer.MAX_VALUE),
                r.duration("headersTimeout"),
                r.duration("bodyIdleTimeout"),
                r.duration("keepAliveIdleTimeout"),
                r.bytes("maxJsonBody"),
                r.bytes("maxBody"),
                r.integer("maxConnections", 1, 10_000_000));
        r.rejectUnknownKeys();
        return c;
    }

    private static UpstreamConfig upstream(String name, ConfigReader r) {
        // Endpoints are the one upstream setting without a template value: each upstream names its own.
        List<String> endpoints = r.optional("endpoints", r::strings).orElse(List.of());
        if (endpoints.isEmpty()) {
            throw r.error("endpoints", "needs at least one host:port (or 'demo')");
        }
        for (int i = 0; i < endpoints.size(); i++) {
            if (!endpoints.get(i).equals(DEMO_ENDPOINT)) {
                HostPort.parse(endpoints.get(i), r.path() + ".endpoints[" + i + "]");
            }
        }
        UpstreamConfig u = new UpstreamConfig(name, endpoints,
                r.duration("connectTimeout"),
                r.duration("responseTimeout"),
                r.integer("maxConnectionsPerEndpoint", 1, 1_000_000),
                r.integer("maxPendingAcquires", 0, 1_000_000),
                r.integer("maxConcurrentRequests", 1, 10_000_000),
                r.duration("poolIdleTimeout"),
                healthCheck(r.child("healthCheck")),
                breaker(r.child("breaker")),
                ejection(r.child("outlierEjection")),
                retries(r.child("retries")),
                r.bool("forwardCredentials"),
                upstreamTls(r.child("tls")));
        r.rejectUnknownKeys();
        return u;
    }

    /** An upstream's {@code tls}: {@code null} when not enabled; its other settings are checked all the same. */
    private static UpstreamTlsConfig upstreamTls(ConfigReader r) {
        boolean enabled = r.bool("enabled");
        String trustStore = r.string("trustStore");
        String serverName = r.string("serverName");
        String name = serverName.isEmpty() ? null : HostPort.host(serverName, r.path() + ".serverName");
        r.rejectUnknownKeys();
        if (!enabled) {
            return null;
        }
        return new UpstreamTlsConfig(trustStore.isEmpty() ? null : file(r, "trustStore", trustStore, "set"), name);
    }

    private static HealthCheckConfig healthCheck(ConfigReader r) {
        String path = r.string("path");
        if (!path.isEmpty() && !path.startsWith("/")) {
            throw r.error("path", "must start with '/' (or be \"\" for a TCP check)");
        }
        HealthCheckConfig c = new HealthCheckConfig(path.isEmpty() ? null : path,
                r.duration("interval"), r.duration("timeout"),
                r.integer("healthyThreshold", 1, 100), r.integer("unhealthyThreshold", 1, 100));
        r.rejectUnknownKeys();
        return c;
    }

    private static BreakerConfig breaker(ConfigReader r) {
        BreakerConfig c = new BreakerConfig(r.integer("failureRateThreshold", 1, 100),
                r.integer("minimumCalls", 1, 1_000_000), r.duration("window"),
                r.duration("openDelay"), r.integer("halfOpenPermits", 1, 1000));
        r.rejectUnknownKeys();
        return c;
    }

    private static EjectionConfig ejection(ConfigReader r) {
        EjectionConfig c = new EjectionConfig(r.integer("consecutiveFailures", 1, 1_000_000),
                r.duration("baseEjectionTime"),
                r.duration("maxEjectionTime"), r.integer("maxEjectionPercent", 0, 100));
        r.rejectUnknownKeys();
        return c;
    }

    private static RetryConfig retries(ConfigReader r) {
        RetryConfig c = new RetryConfig(r.integer("maxRetries", 0, 10), r.integer("budgetPercent", 0, 100),
                r.integer("minRetriesPerWindow", 0, 1_000_000));
        r.rejectUnknownKeys();
        return c;
    }
}
