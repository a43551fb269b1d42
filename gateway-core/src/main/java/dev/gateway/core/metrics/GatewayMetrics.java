package dev.gateway.core.metrics;

import io.netty.handler.codec.http.HttpMethod;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.prometheus.client.hotspot.BufferPoolsExports;
import io.prometheus.client.hotspot.ClassLoadingExports;
import io.prometheus.client.hotspot.GarbageCollectorExports;
import io.prometheus.client.hotspot.MemoryAllocationExports;
import io.prometheus.client.hotspot.MemoryPoolsExports;
import io.prometheus.client.hotspot.StandardExports;
import io.prometheus.client.hotspot.ThreadExports;
import io.prometheus.client.hotspot.VersionInfoExports;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * A gateway's Prometheus series, in its own registry (served on the admin listener): the legacy ones,
 * with the names, labels and buckets the old gateway's dashboards and alerts read, and the
 * {@code gateway_*} series. The request path holds resolved children ({@link RouteMetrics},
 * {@link EndpointMetrics}, {@link UpstreamMetrics}); gauges of state that lives elsewhere are read at
 * scrape time by collectors registered with {@link #register}.
 */
public final class GatewayMetrics {
    /** The legacy histogram's buckets, fixed by the dashboards that read it. */
    static final double[] LEGACY_BUCKETS = {0.003, 0.03, 0.1, 0.3, 1.5, 10};
    /** Finer, for time spent upstream: a trading upstream answers in about a millisecond. */
    static final double[] UPSTREAM_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
        2.5, 5, 10};
    /** The method labels; anything else a client sends is {@code OTHER}, the last. */
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
            "TRACE", "CONNECT", "OTHER");
    /** The route label of requests that matched no route. */
    public static final String UNMATCHED = "#unmatched";

    private final CollectorRegistry registry = new CollectorRegistry(true);
    final Histogram requestDuration;
    final Counter requestBytes;
    final Counter responseBytes;
    final Counter validationFailures;
    final Counter responseValidation;
    final Histogram attemptDuration;
    final Counter ejections;
    final Counter breakerTransitions;
    final Counter retries;
    final Counter retryBudgetExhausted;
    private final Counter rateLimited;
    private final Counter authRejections;
    /**
     * Requests that reached no operation, by path ({@link #UNMATCHED} or the template of a 405) and then by
     * method label: no key is built per request.
     */
    private MigrationMetrics migration;
    private final Map<String, AtomicReferenceArray<RouteMetrics>> unrouted = new ConcurrentHashMap<>();

    public GatewayMetrics() {
        this(true);
    }

    /** @param jvm whether to serve the process and JVM series (not for series nobody serves) */
    GatewayMetrics(boolean jvm) {
        if (jvm) {
            JvmCollectors.ALL.forEach(c -> c.register(registry));
        }
        Gauge.build("up", "Whether the gateway is running (always 1).").register(registry).set(1);
        requestDuration = Histogram.build("http_request_duration_seconds",
                "Requests by method, route template (#unmatched when none) and status code: from the request "
                        + "head to the end of the response.")
                .labelNames("method", "path", "status_code").buckets(LEGACY_BUCKETS).register(registry);
        requestBytes = Counter.build("gateway_request_body_bytes_total", "Request body bytes received, by route.")
                .labelNames("method", "path").register(registry);
        responseBytes = Counter.build("gateway_response_body_bytes_total", "Response body bytes sent, by route.")
                .labelNames("method", "path").register(registry);
        validationFailures = Counter.build("gateway_validation_failures_total",
                "Requests refused by the contract checks, by route and error code.")
                .labelNames("method", "path", "code").register(registry);
        responseValidation = Counter.build("gateway_response_validation_total",
                "Upstream JSON responses checked against the contract, by operation and outcome "
                        + "(valid, invalid, unchecked when too large or not JSON).")
                .labelNames("operation", "outcome").register(registry);
        attemptDuration = Histogram.build("gateway_upstream_attempt_duration_seconds",
                "Attempts to call an upstream endpoint (retries are attempts of their own), from asking for a "
                        + "connection to the response head or the failure; outcome success (an answer, not 5xx), "
                        + "failure (no connection, no answer, a 5xx) or abandoned (the gateway's limits, or the "
                        + "exchange ended first).")
                .labelNames("upstream", "endpoint", "outcome").buckets(UPSTREAM_BUCKETS).register(registry);
        ejections = Counter.build("gateway_upstream_ejections_total", "Endpoints ejected as outliers.")
                .labelNames("upstream", "endpoint").register(registry);
        breakerTransitions = Counter.build("gateway_circuit_breaker_transitions_total",
                "Circuit breaker state changes, by the state entered.")
                .labelNames("upstream", "endpoint", "to").register(registry);
        retries = Counter.build("gateway_upstream_retries_total", "Requests sent again after a failed attempt.")
                .labelNames("upstream").register(registry);
        retryBudgetExhausted = Counter.build("gateway_retry_budget_exhausted_total",
                "Retries not made because the retry budget was spent.").labelNames("upstream").register(registry);
        rateLimited = Counter.build("gateway_rate_limited_total", "Requests refused with 429, by rate class.")
                .labelNames("class").register(registry);
        authRejections = Counter.build("gateway_auth_rejections_total",
                "Requests refused by authentication (UNAUTHENTICATED) or for a missing scope (FORBIDDEN).")
                .labelNames("code").register(registry);
    }

    /**
     * Serves {@code gateway_log_lines_dropped}, read at scrape time.
     *
     * @param dropped log lines (access and application) dropped so far because the asynchronous log queue
     *     was full
     */
    public void countDroppedLogLines(LongSupplier dropped) {
        registry.register(new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                return List.of(new CounterMetricFamily("gateway_log_lines_dropped",
                        "Log lines (access and application) dropped because the asynchronous log queue was full.",
                        dropped.getAsLong()));
            }
        });
    }

    /**
     * Serves the series of rate limits shared on Redis ({@link SharedRateLimitMetrics}).
     *
     * @return what to tell each answered refill's duration, in nanoseconds
     */
    public java.util.function.LongConsumer sharedRateLimits(SharedRateLimitMetrics.Source source) {
        return SharedRateLimitMetrics.register(registry, source);
    }

    /**
     * Registers the series of TLS on the public listener.
     *
     * @param notAfter when the certificate in use expires, read at each scrape
     */
    public TlsMetrics tls(java.util.function.Supplier<java.time.Instant> notAfter) {
        return new TlsMetrics(registry, notAfter);
    }

    /** The HTTP/2 series; call once. */
    public Http2Metrics http2() {
        return new Http2Metrics(registry);
    }

    /** The migration series (split, shadow, guard, changes), made on first use. */
    public synchronized MigrationMetrics migration() {
        if (migration == null) {
            migration = new MigrationMetrics(registry);
        }
        return migration;
    }

    public CollectorRegistry registry() {
        return registry;
    }

    /** Adds a collector of state read at scrape time (connections, pools, breakers, readiness). */
    public void register(Collector collector) {
        registry.register(collector);
    }

    /** The series of a routed operation. */
    public RouteMetrics route(String method, String pathTemplate, String operationId) {
        return new RouteMetrics(this, method, pathTemplate, operationId);
    }

    /** The series of a request that reached no operation: {@code path} is a template or {@link #UNMATCHED}. */
    public RouteMetrics unrouted(HttpMethod method, String path) {
        int i = methodIndex(method);
        AtomicReferenceArray<RouteMetrics> byMethod = unrouted.computeIfAbsent(path,
                p -> new AtomicReferenceArray<>(METHODS.size()));
        RouteMetrics r = byMethod.get(i);
        if (r == null) {
            byMethod.compareAndSet(i, null, new RouteMetrics(this, METHODS.get(i), path, null));
            r = byMethod.get(i);
        }
        return r;
    }

    public EndpointMetrics endpoint(String upstream, String endpoint) {
        return new EndpointMetrics(this, upstream, endpoint);
    }

    public UpstreamMetrics upstream(String upstream) {
        return new UpstreamMetrics(this, upstream);
    }

    public Counter.Child rateLimited(String rateClass) {
        return rateLimited.labels(rateClass);
    }

    /**
     * @param rateClasses the rate classes' names, in index order
     * @return their refusal counters, indexed as the classes are (what {@code RateLimiting} counts in)
     */
    public Counter.Child[] rateLimited(List<String> rateClasses) {
        return rateClasses.stream().map(this::rateLimited).toArray(Counter.Child[]::new);
    }

    public Counter.Child authRejected(String code) {
        return authRejections.labels(code);
    }

    /**
     * The JVM and process collectors, made once per process: each registers listeners with the JVM
     * (garbage collection notifications) that are never removed, so every gateway's registry shares them.
     */
    private static final class JvmCollectors {
        static final List<Collector> ALL = List.of(new StandardExports(), new MemoryPoolsExports(),
                new MemoryAllocationExports(), new BufferPoolsExports(), new GarbageCollectorExports(),
                new ThreadExports(), new ClassLoadingExports(), new VersionInfoExports());
    }

    /**
     * The standard methods by name; anything else a client invents is {@code OTHER}, so that the label's
     * values stay few whatever is sent.
     */
    static String methodLabel(HttpMethod method) {
        return METHODS.get(methodIndex(method));
    }

    /** The method's place in {@link #METHODS}; {@code OTHER}'s, the last, when it is not one of them. */
    private static int methodIndex(HttpMethod method) {
        int i = method == null ? -1 : METHODS.indexOf(method.name()); // null: timed out before a request line
        return i < 0 ? METHODS.size() - 1 : i;
    }
}
