package dev.gateway.core.ratelimit;

import dev.gateway.core.config.HostPort;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The shared buckets on one Redis: leases tokens ({@link #lease}) with {@code lease.lua}, and knows
 * whether Redis is up. Every command is asynchronous on Lettuce's own I/O thread and ends within the
 * timeout, so no caller ever waits on Redis.
 *
 * <p>Connecting is asynchronous too: the constructor starts it and returns; the store is down until the
 * connection is made, so a Redis that cannot be reached at start leaves decisions to the callers' fallback
 * and the probe connects later. Once connected, Lettuce reconnects by itself after a loss.
 *
 * <p>Up and down: any failed or timed-out lease, or the connection's loss (seen even with no request
 * asking), marks the store down ({@link #markDown}); while down, a
 * probe ({@code PING}, with the same timeout; a connection attempt while there is none) runs on the
 * background executor every {@code probeEvery}, and its first success marks the store up again. While
 * Lettuce is disconnected, commands fail at once rather than queue (a queue would replay stale leases
 * after the reconnect).
 *
 * <p>Each change is logged once: down (with its cause, and at start when Redis cannot be reached), and up
 * again. Lettuce's own line per reconnect attempt is left to its logger ({@code io.lettuce}, at error in
 * the gateway's logging settings): an hour's outage would otherwise log two lines a second.
 */
final class RedisLeaseStore implements AutoCloseable {
    private static final String KEY_PREFIX = "gateway:ratelimit:";
    private static final Logger LOG = LogManager.getLogger(RedisLeaseStore.class);

    private final LeaseScript script = LeaseScript.load();
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI redisUri;
    private final ScheduledFuture<?> probe;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final LongAdder markedDown = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    /** Set once, by the first connection made; {@code null} until then. */
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile RedisAsyncCommands<String, String> commands;
    private final AtomicBoolean up = new AtomicBoolean();
    /** What the log last said of Redis; guarded by {@code this}, as is every change of {@link #up}'s. */
    private Said said = Said.NOTHING;

    private enum Said { NOTHING, DOWN, UP }
    private final HostPort address;
    private volatile boolean closed;

    /** A store on a Redis that asks for no password: see the constructor below. */
    RedisLeaseStore(HostPort address, Duration timeout, ScheduledExecutorService background, Duration probeEvery) {
        this(address, "", null, timeout, background, probeEvery);
    }

    /**
     * Starts connecting to Redis and returns at once (never blocks: it may be called anywhere).
     *
     * @param address Redis's host and port (an IPv6 host without brackets)
     * @param username the ACL user to authenticate as, empty for the default user
     * @param password what Redis asks for (UTF-8), or {@code null} to send no {@code AUTH}
     * @param timeout how long a command, or connecting, may take before it counts as failed
     * @param background runs the health probe every {@code probeEvery}
     */
    RedisLeaseStore(HostPort address, String username, byte[] password, Duration timeout,
            ScheduledExecutorService background, Duration probeEvery) {
        // One I/O thread is plenty for small commands; reconnects back off from 10 ms to 1 s, so a
        // restarted Redis is found again within about a second.
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.address = address;
        // Built from its parts, not parsed from a URI string: an IPv6 host needs no quoting this way.
        RedisURI.Builder uri = RedisURI.builder().withHost(address.host()).withPort(address.port())
                .withTimeout(timeout);
        if (password != null) {
            CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(password));
            char[] secret = new char[chars.remaining()];
            chars.get(secret);
            uri = username.isEmpty() ? uri.withPassword(secret) : uri.withAuthentication(username, secret);
        }
        this.redisUri = uri.build();
        this.client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .build());
        // A connection lost while no refill is asking (an idle replica) is down too: the metric and the log say
        // so at once, not at the next request's failed refill. Lettuce reconnects by itself; the probe marks
        // the store up once a PING is answered.
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                markDown(new RedisConnectionException("connection closed"));
            }
        });
        connect();
        this.probe = background.scheduleWithFixedDelay(this::probeIfDown, probeEvery.toNanos(), probeEvery.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** Starts a connection attempt unless one is made or under way; up when it succeeds. */
    private void connect() {
        if (closed || connection != null || !connecting.compareAndSet(false, true)) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, redisUri).whenComplete((c, e) -> {
            if (e != null) {
                connectFailures.increment();
                connecting.set(false); // the next probe tries again
                synchronized (this) {
                    if (said == Said.NOTHING) {
                        said = Said.DOWN;
                        LOG.warn("rate limits' Redis at {} cannot be reached ({}): each decision is this replica's "
                                + "share (perSecond / expectedReplicas) until it answers", address, describe(e));
                    }
                }
                return;
            }
            synchronized (this) {
                if (closed) {
                    c.closeAsync();
                    return;
                }
                commands = c.async();
                connection = c;
            }
            markUp();
        });
    }

    /** Whether the last lease or probe succeeded: while false, callers decide without Redis. */
    boolean up() {
        return up.get();
    }

    /**
     * A lease failed or timed out: decide without Redis until a probe succeeds.
     *
     * @param cause why, for the log line (said once per fall)
     */
    void markDown(Throwable cause) {
        if (!up.get()) {
            return; // down already: the refills failing together take no lock
        }
        synchronized (this) {
            if (closed || !up.compareAndSet(true, false)) {
                return;
            }
            markedDown.increment(); // once per fall, however many refills fail at once
            said = Said.DOWN;
            LOG.warn("rate limits' Redis at {} is down ({}): each decision is this replica's share "
                    + "(perSecond / expectedReplicas) until it answers a probe", address, describe(cause));
        }
    }

    private synchronized void markUp() {
        if (closed || !up.compareAndSet(false, true)) {
            return;
        }
        LOG.info(said == Said.DOWN ? "rate limits' Redis at {} answers again: decisions are shared"
                : "rate limits' Redis at {} connected: decisions are shared", address);
        said = Said.UP;
    }

    /**
     * The root cause's class and message: Lettuce wraps what Redis or the socket said ({@code WRONGPASS ...},
     * {@code Connection refused}) in an "Unable to connect" of its own.
     */
    private static String describe(Throwable e) {
        Throwable t = unwrap(e);
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** Connection attempts that failed (refused, timed out, or refused by Redis's AUTH). */
    long connectFailures() {
        return connectFailures.sum();
    }

    /** Times the store went from up to down (a refill failed or timed out). */
    long markedDown() {
        return markedDown.sum();
    }

    /**
     * Asks the shared bucket of {@code caller} and {@code c} for up to {@code wanted} tokens.
     *
     * @return completes with the grant, or exceptionally (Redis not connected, down, timed out, or a script
     *     error)
     */
    CompletionStage<Grant> lease(String caller, RateClass c, long wanted) {
        RedisAsyncCommands<String, String> commands = this.commands;
        if (commands == null) {
            return CompletableFuture.failedFuture(new RedisConnectionException("not connected yet"));
        }
        String[] keys = {KEY_PREFIX + c.name() + ":" + caller};
        long intervalMicros = Math.max(1L, Math.round(c.intervalNanos() / 1000.0));
        String[] args = {Long.toString(intervalMicros), Integer.toString(c.burst()), Long.toString(wanted)};
        CompletionStage<List<Object>> reply = commands.<List<Object>>evalsha(script.sha1(), ScriptOutputType.MULTI, keys, args)
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        // A Redis that restarted forgot the script: send its text; EVAL caches it again.
                        ? commands.<List<Object>>eval(script.text(), ScriptOutputType.MULTI, keys, args)
                        : CompletableFuture.failedFuture(e));
        return reply.thenApply(r -> new Grant((Long) r.get(0), (Long) r.get(1)));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private void probeIfDown() {
        if (up.get()) {
            return;
        }
        RedisAsyncCommands<String, String> commands = this.commands;
        if (commands == null) {
            connect();
            return;
        }
        commands.ping().whenComplete((pong, e) -> {
            if (e == null && "PONG".equals(pong)) {
                markUp();
            }
        });
    }

    /** Stops the probe and closes the connection; blocks up to about two seconds (never on an event loop). */
    @Override
    public void close() {
        probe.cancel(false);
        StatefulRedisConnection<String, String> c;
        synchronized (this) {
            closed = true;
            c = connection;
        }
        if (c != null) {
            c.close();
        }
        client.shutdown();
        resources.shutdown();
    }
}
