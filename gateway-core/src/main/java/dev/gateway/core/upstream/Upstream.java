package dev.gateway.core.upstream;

import dev.gateway.core.config.GatewayConfig.EjectionConfig;
import dev.gateway.core.config.GatewayConfig.UpstreamConfig;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.tls.UpstreamTls;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A service behind the gateway (trade, task): its endpoints, the exchanges in flight to it (bounded by
 * {@code maxConcurrentRequests}), and the outcome of each call, which drives its endpoints' breakers and
 * outlier ejection.
 */
public final class Upstream {
    private static final Logger LOG = LogManager.getLogger(Upstream.class);

    /** What {@code /readyz} says of an upstream. */
    public enum State {
        /** An endpoint passes its checks and its breaker lets calls through. */
        UP,
        /** No endpoint passes its checks. */
        DOWN,
        /** Endpoints pass their checks, but every one's breaker is open. */
        OPEN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final int index;
    private final UpstreamConfig config;
    private final List<Endpoint> endpoints;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final UpstreamMetrics metrics;
    private final UpstreamTls tls;

    public Upstream(int index, UpstreamConfig config, List<Endpoint> endpoints) {
        this(index, config, endpoints, UpstreamMetrics.UNCOUNTED);
    }

    /** A cleartext upstream. */
    public Upstream(int index, UpstreamConfig config, List<Endpoint> endpoints, UpstreamMetrics metrics) {
        this(index, config, endpoints, metrics, null);
    }

    /**
     * @param index dense, from 0, for per-loop arrays
     * @param tls the client context its connections and health checks use, or {@code null} for cleartext
     * @throws IllegalArgumentException no endpoints
     */
    public Upstream(int index, UpstreamConfig config, List<Endpoint> endpoints, UpstreamMetrics metrics,
            UpstreamTls tls) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("upstream " + config.name() + " has no endpoints");
        }
        this.index = index;
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
        this.metrics = metrics;
        this.tls = tls;
    }

    /** TLS to its endpoints ({@code upstreams.NAME.tls}), or {@code null} when it is spoken to in cleartext. */
    public UpstreamTls tls() {
        return tls;
    }

    /** This upstream's series: retries and retry budget exhaustion. */
    public UpstreamMetrics metrics() {
        return metrics;
    }

    /** Dense index, for per-loop arrays. */
    public int index() {
        return index;
    }

    public String name() {
        return config.name();
    }

    public UpstreamConfig config() {
        return config;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /**
     * Counts one more exchange in flight, unless {@code maxConcurrentRequests} are already: the caller
     * then answers 503 at once instead of queueing. Every admitted exchange must {@link #leave}.
     */
    public boolean tryAdmit() {
        int max = config.maxConcurrentRequests();
        while (true) {
            int n = inFlight.get();
            if (n >= max) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void leave() {
        inFlight.decrementAndGet();
    }

    /** Exchanges in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    public State state() {
        boolean anyHealthy = false;
        for (Endpoint e : endpoints) {
            if (e.checkedHealthy()) {
                anyHealthy = true;
                if (!e.breakerOpen()) {
                    return State.UP;
                }
            }
        }
        return anyHealthy ? State.OPEN : State.DOWN;
    }

    /** Ready when an endpoint passed its last check and its breaker is not open. */
    public boolean up() {
        return state() == State.UP;
    }

    /** Whole seconds until the first open breaker lets a trial call through (at least 1). */
    public long retryAfterSeconds() {
        long min = Long.MAX_VALUE;
        for (Endpoint e : endpoints) {
            min = Math.min(min, e.breakerRemainingNanos());
        }
        long seconds = (min + 999_999_999L) / 1_000_000_000L;
        return Math.max(1, min == Long.MAX_VALUE ? 1 : seconds);
    }

    /** The call to {@code e} went well (an answer that is not 5xx). */
    public void succeeded(Endpoint e) {
        e.recordSuccess();
        if (e.recentEjections > 0) {
            long now = System.nanoTime();
            synchronized (this) {
                if (e.recentEjections > 0
                        && now - e.lastEjectionEndNanos > config.outlierEjection().maxEjectionTime().toNanos()) {
                    e.recentEjections = 0; // healthy for a long while: the next ejection starts short again
                }
            }
        }
    }

    /**
     * The call to {@code e} ended without a verdict on the endpoint (the gateway's own limits, a request
     * refused mid-stream): its breaker permit is given back as a success, its failure streak left alone.
     */
    public void released(Endpoint e) {
        e.recordNeutral();
    }

    /** The call to {@code e} failed: no connection, no answer, or a 5xx. */
    public void failed(Endpoint e) {
        int inARow = e.recordFailure();
        EjectionConfig ej = config.outlierEjection();
        if (inARow >= ej.consecutiveFailures()) {
            eject(e, ej);
        }
    }

    private synchronized void eject(Endpoint e, EjectionConfig ej) {
        long now = System.nanoTime();
        if (e.ejected(now)) {
            return;
        }
        int ejectedNow = 0;
        for (Endpoint other : endpoints) {
            ejectedNow += other.ejected(now) ? 1 : 0;
        }
        if ((ejectedNow + 1) * 100 > ej.maxEjectionPercent() * endpoints.size()) {
            return; // the rest must carry the traffic; the breaker still guards this one
        }
        e.recentEjections++;
        long nanos = Math.min(ej.baseEjectionTime().toNanos() * e.recentEjections, ej.maxEjectionTime().toNanos());
        e.lastEjectionEndNanos = now + nanos;
        e.eject(now + nanos);
        e.metrics().ejected();
        LOG.warn("endpoint {} ejected for {} ms after {} failures in a row", e, nanos / 1_000_000,
                ej.consecutiveFailures());
    }
}
