package dev.gateway.core.upstream;

import dev.failsafe.CircuitBreaker;
import dev.gateway.core.config.GatewayConfig.BreakerConfig;
import dev.gateway.core.config.HostPort;
import dev.gateway.core.metrics.EndpointMetrics;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One address of an upstream service, and what the gateway knows of its health: the active checks'
 * verdict, its circuit breaker, and whether it is ejected as an outlier. Shared by every event loop; the
 * request path reads volatile fields and the breaker (whose methods are short and synchronized).
 */
public final class Endpoint {
    private static final Logger LOG = LogManager.getLogger(Endpoint.class);

    private final String upstream;
    private final InetSocketAddress address;
    private final AsciiString hostHeader;
    private final CircuitBreaker<Object> breaker;
    private final EndpointMetrics metrics;
    /** By the active checks; healthy until they say otherwise, so traffic flows from the start. */
    private volatile boolean healthy = true;
    /** Whether an active check has answered yet (readiness waits for one). */
    private volatile boolean checked;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** {@link System#nanoTime} at which an ejection ends; meaningful while {@link #ejected} is set. */
    private volatile long ejectedUntilNanos;
    private volatile boolean ejected;
    /** Ejections since the endpoint last stayed healthy for a while: the next one lasts this much longer. */
    int recentEjections;
    long lastEjectionEndNanos;

    public Endpoint(String upstream, String host, int port, BreakerConfig breaker) {
        this(upstream, host, port, breaker, EndpointMetrics.UNCOUNTED);
    }

    public Endpoint(String upstream, String host, int port, BreakerConfig breaker, EndpointMetrics metrics) {
        this.upstream = upstream;
        this.metrics = metrics;
        this.address = new InetSocketAddress(host, port);
        // RFC 9110 section 7.2: the Host field is uri-host[:port], an IPv6 address in brackets.
        this.hostHeader = AsciiString.cached(new HostPort(host, port).toString());
        this.breaker = CircuitBreaker.builder()
                .withFailureRateThreshold(breaker.failureRateThreshold(), breaker.minimumCalls(), breaker.window())
                .withDelay(breaker.openDelay())
                .withSuccessThreshold(breaker.halfOpenPermits())
                .onOpen(e -> {
                    metrics.breakerOpened();
                    LOG.warn("endpoint {}: circuit breaker open", this);
                })
                .onHalfOpen(e -> {
                    metrics.breakerHalfOpened();
                    LOG.info("endpoint {}: circuit breaker half-open, trying", this);
                })
                .onClose(e -> {
                    metrics.breakerClosed();
                    LOG.info("endpoint {}: circuit breaker closed", this);
                })
                .build();
    }

    public String upstream() {
        return upstream;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** What the gateway sends as {@code Host}: the upstream's own host:port. */
    public AsciiString hostHeader() {
        return hostHeader;
    }

    /** This endpoint's series: attempts, ejections, breaker transitions. */
    public EndpointMetrics metrics() {
        return metrics;
    }

    /** The breaker's state as the metrics name it: {@code closed}, {@code open} or {@code half_open}. */
    public String breakerState() {
        return breaker.isOpen() ? "open" : breaker.isHalfOpen() ? "half_open" : "closed";
    }

    /** Ejected as an outlier right now. */
    public boolean ejectedNow() {
        return ejected(System.nanoTime());
    }

    /** The active checks' verdict (true until the first failing check). */
    public boolean healthy() {
        return healthy;
    }

    /** Whether an active check has answered yet. */
    boolean checked() {
        return checked;
    }

    /** Healthy by a check that has actually answered: what readiness needs. */
    public boolean checkedHealthy() {
        return checked && healthy;
    }

    /** The breaker refuses calls now (open, and its delay not yet over). */
    public boolean breakerOpen() {
        return breaker.isOpen() && !breaker.getRemainingDelay().isZero();
    }

    /** Nanoseconds until an open breaker lets a trial call through; 0 when it is not open. */
    long breakerRemainingNanos() {
        return breaker.isOpen() ? breaker.getRemainingDelay().toNanos() : 0;
    }

    void checkedHealthy(boolean healthy) {
        this.healthy = healthy;
        this.checked = true;
    }

    /** Whether balancing should consider it now: healthy, not ejected, breaker not refusing. */
    boolean usable(long nowNanos) {
        return healthy && !ejected(nowNanos) && !breakerOpen();
    }

    boolean ejected(long nowNanos) {
        return ejected && nowNanos - ejectedUntilNanos < 0;
    }

    /**
     * Takes a permit of the breaker for one call; every permit taken must be answered with
     * {@link Upstream#succeeded} or {@link Upstream#failed}.
     */
    boolean tryAcquirePermit() {
        return breaker.tryAcquirePermit();
    }

    void recordSuccess() {
        breaker.recordSuccess();
        if (consecutiveFailures.get() != 0) { // read first: the common case writes nothing shared
            consecutiveFailures.set(0);
        }
    }

    /** A call that ended for reasons of the gateway's or the client's: frees its permit, breaks no streak. */
    void recordNeutral() {
        breaker.recordSuccess();
    }

    /** @return the failures in a row so far, this one included */
    int recordFailure() {
        breaker.recordFailure();
        return consecutiveFailures.incrementAndGet();
    }

    void eject(long untilNanos) {
        ejectedUntilNanos = untilNanos;
        ejected = true;
        consecutiveFailures.set(0);
    }

    @Override
    public String toString() {
        return upstream + "@" + hostHeader;
    }
}
