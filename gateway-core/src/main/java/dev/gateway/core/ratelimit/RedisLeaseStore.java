package dev.gateway.core.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The shared buckets on one Redis: leases tokens ({@link #lease}) with {@code lease.lua}, and knows
 * whether Redis is up. Every command is asynchronous on Lettuce's own I/O thread and ends within the
 * timeout, so no caller ever waits on Redis.
 *
 * <p>Up and down: any failed or timed-out lease marks the store down ({@link #markDown}); while down, a
 * probe ({@code PING}, with the same timeout) runs on the background executor every {@code probeEvery},
 * and its first success marks the store up again. While Lettuce is disconnected, commands fail at once
 * rather than queue (a queue would replay stale leases after the reconnect).
 */
final class RedisLeaseStore implements AutoCloseable {
    private static final String KEY_PREFIX = "gateway:ratelimit:";

    private final LeaseScript script = LeaseScript.load();
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> commands;
    private final ScheduledFuture<?> probe;
    private volatile boolean up = true;

    /**
     * Connects to Redis (blocking, at most {@code timeout}: call it at start, never on an event loop).
     *
     * @param uri such as {@code redis://127.0.0.1:6379}
     * @param timeout how long a command may take before it counts as failed
     * @param background runs the health probe every {@code probeEvery}
     * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached at start
     */
    RedisLeaseStore(String uri, Duration timeout, ScheduledExecutorService background, Duration probeEvery) {
        // One I/O thread is plenty for small commands; reconnects back off from 10 ms to 1 s, so a
        // restarted Redis is found again within about a second.
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        this.client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        try {
            this.connection = client.connect(StringCodec.UTF8);
        } catch (RuntimeException e) {
            client.shutdown();
            resources.shutdown();
            throw e;
        }
        this.commands = connection.async();
        this.probe = background.scheduleWithFixedDelay(this::probeIfDown, probeEvery.toNanos(), probeEvery.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** Whether the last lease or probe succeeded: while false, callers decide without Redis. */
    boolean up() {
        return up;
    }

    /** A lease failed or timed out: decide without Redis until a probe succeeds. */
    void markDown() {
        up = false;
    }

    /**
     * Asks the shared bucket of {@code caller} and {@code c} for up to {@code wanted} tokens.
     *
     * @return completes with the grant, or exceptionally (Redis down, timed out, or a script error)
     */
    CompletionStage<Grant> lease(String caller, RateClass c, long wanted) {
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
        if (!up) {
            commands.ping().whenComplete((pong, e) -> {
                if (e == null && "PONG".equals(pong)) {
                    up = true;
                }
            });
        }
    }

    @Override
    public void close() {
        probe.cancel(false);
        connection.close();
        client.shutdown();
        resources.shutdown();
    }
}
