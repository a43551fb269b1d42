package dev.gateway.core.shadow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.MigrationConfig.ShadowConfig;
import dev.gateway.core.config.MigrationConfig;
import dev.gateway.core.metrics.MigrationMetrics;
import dev.gateway.core.net.Transport;
import dev.gateway.core.split.RouteMigration;
import dev.gateway.core.upstream.PooledEndpoint;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.prometheus.client.Counter;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's shadow traffic: pools of its own (so copies never take a connection, a pool slot or a
 * breaker permit the primary traffic could use), the cap on copies in flight per route, the sampling,
 * and the comparison of the answers ({@link Comparisons}). The request path asks {@link #admit} and then
 * {@link #start}; everything else happens as the copies end.
 */
public final class Shadowing implements AutoCloseable {
    /** Response body bytes kept per answer for the comparison; a longer body is compared by its first bytes. */
    static final int MAX_COMPARED_BODY_BYTES = 1 << 20;
    private static final int SHARES = 10_000;

    /**
     * What a shadowed request was, for the comparison and its samples.
     *
     * @param route the route's index
     * @param prefix its prefix (metrics, admin)
     * @param template the operation's path template (the samples' {@code route})
     */
    public record Request(int route, String prefix, String template, String requestId, String method, String target,
            ShadowConfig config) {
    }

    private final UpstreamPools pools;
    private final AtomicInteger[] inFlight;
    /** Per route: requests sampled but not copied, as a write [0], for their body [1], for the cap [2]. */
    private final Counter.Child[][] skipped;
    private final MigrationMetrics metrics;
    private final Comparisons comparisons;

    /**
     * @param upstreams every upstream (a shadow or baseline copy may go to any)
     * @param prefixes the {@code routes} items' prefixes, in order
     */
    public Shadowing(List<Upstream> upstreams, EventLoopGroup io, Transport transport, ByteBufAllocator alloc,
            int maxResponseHeaderBytes, List<String> prefixes, MigrationMetrics metrics,
            MigrationConfig.JournalConfig diffLog) {
        this.pools = new UpstreamPools(io, transport, alloc, upstreams, maxResponseHeaderBytes);
        int routes = prefixes.size();
        this.inFlight = new AtomicInteger[routes];
        this.skipped = new Counter.Child[routes][];
        for (int i = 0; i < routes; i++) {
            inFlight[i] = new AtomicInteger();
            String p = prefixes.get(i);
            // Resolved once: a sampled request that is not copied is counted without a label lookup.
            skipped[i] = new Counter.Child[] {metrics.shadowRequests(p, "skipped_write"),
                metrics.shadowRequests(p, "skipped_body_too_large"), metrics.shadowRequests(p, "skipped_full")};
        }
        this.metrics = metrics;
        this.comparisons = new Comparisons(metrics, diffLog);
    }

    /** This loop's shadow pools; looked up once per connection. */
    public UpstreamPools.LoopPools forLoop(EventLoop loop) {
        return pools.forLoop(loop);
    }

    /**
     * Whether this request is copied: sampled by the route's share, a read (or the route copies writes),
     * a body of known length within the cap, and room under the route's cap on copies in flight. A
     * request that was sampled but not copied is counted by reason. An admitted request holds a place
     * until its session ends.
     *
     * @param contentLength the body's length, {@code -1} when chunked, {@code -2} without a body
     */
    public boolean admit(int route, RouteMigration m, HttpMethod method, long contentLength) {
        ShadowConfig c = m.shadow();
        if (c.basisPoints() == 0 || ThreadLocalRandom.current().nextInt(SHARES) >= c.basisPoints()) {
            return false;
        }
        if (!c.writes() && !read(method)) {
            skipped[route][0].inc();
            return false;
        }
        if (contentLength == -1 || contentLength > c.maxBodyBytes()) {
            skipped[route][1].inc();
            return false;
        }
        AtomicInteger n = inFlight[route];
        for (int now = n.get(); ; now = n.get()) {
            if (now >= c.maxInFlight()) {
                skipped[route][2].inc();
                return false;
            }
            if (n.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Whether this admitted request also goes a second time to the primary's stack (noise). */
    public boolean baseline(RouteMigration m, HttpMethod method) {
        ShadowConfig c = m.shadow();
        return (c.writes() || read(method)) && ThreadLocalRandom.current().nextInt(SHARES) < c.baselineBasisPoints();
    }

    /** Gives back an admitted request's place when no copy could be sent after all. */
    public void unadmit(Request r, String reason) {
        inFlight[r.route()].decrementAndGet();
        metrics.shadowRequests(r.prefix(), reason).inc();
    }

    /**
     * Sends the copies of an admitted request.
     *
     * @param candidate the shadow target's endpoint on this loop's shadow pools, and the head it gets
     * @param baseline the primary stack's endpoint and head for a baseline copy, or {@code null}s
     * @return the session the primary's call feeds with its body and answer
     */
    public ShadowSession start(EventLoop loop, Request request, PooledEndpoint candidate, HttpRequest candidateHead,
            PooledEndpoint baseline, HttpRequest baselineHead) {
        ShadowSession s = new ShadowSession(this, request, MAX_COMPARED_BODY_BYTES,
                done -> new ShadowCall(candidate, candidateHead, MAX_COMPARED_BODY_BYTES, done),
                baseline == null ? null : done -> new ShadowCall(baseline, baselineHead, MAX_COMPARED_BODY_BYTES,
                        done));
        s.start(loop, request.config().timeout().toNanos());
        return s;
    }

    /** A copy ended (on the loop). */
    void ended(Request r, boolean baseline, ShadowCall.Ending ending) {
        if (!baseline) {
            metrics.shadowRequests(r.prefix(), ending.label).inc();
        }
    }

    /**
     * Every copy of a session ended: its place is given back and, when the primary and the shadow both
     * answered, the answers are compared off the loop.
     *
     * @param primary the caller's answer, or {@code null} when there is nothing to compare
     */
    void finished(Request r, ResponseCopy primary, ResponseCopy candidate, ResponseCopy baseline) {
        inFlight[r.route()].decrementAndGet();
        if (primary == null) {
            metrics.comparisons(r.prefix(), "candidate", "not_compared").inc();
            return;
        }
        comparisons.submit(r, primary, candidate, baseline);
    }

    /** What {@code GET /admin/diffs} answers: the latest sampled differences and the noise table. */
    public ObjectNode latest(int limit) {
        return comparisons.latest(limit);
    }

    private static boolean read(HttpMethod m) {
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD);
    }

    /** Stops the comparisons (what is queued is dropped) and closes idle shadow connections. */
    @Override
    public void close() {
        comparisons.close();
        pools.close();
    }
}
