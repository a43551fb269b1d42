package dev.gateway.bench;

import dev.gateway.core.auth.Tokens;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.ratelimit.RedisServer;
import dev.gateway.core.server.Gateway;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RoundTripBenchmark}'s authenticated GET through a gateway whose rate limits are shared on a real
 * {@code redis-server} ({@code rateLimits.store: redis}), started here on a free loopback port: decided from
 * the caller's lease, refilled by asynchronous script calls off the request's path. Its fastest sample ÷
 * {@code RoundTripBenchmark.gateway}'s is what deciding from a Redis lease instead of a local bucket adds
 * ({@code roundtrip.sharedLimits.ratio} in {@link Gate}).
 *
 * <p>A class of its own so that only its forks run Redis and the Redis client's threads: in the other round
 * trips' forks they moved the fastest samples (a fork now and then 20 µs slower throughout).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dgateway.logLevel=warn", "-Dlog4j2.configurationFile=log4j2-bench.properties"})
public class RoundTripSharedLimitsBenchmark {
    private StubUpstream stub;
    private RedisServer redis;
    private Gateway local;
    private Gateway shared;
    private String authorization;

    @Setup(Level.Trial)
    public void start() throws IOException, InterruptedException {
        stub = new StubUpstream();
        redis = RedisServer.start();
        String upstreams = "upstreams:\n"
                + "  trade: {endpoints: [127.0.0.1:" + stub.port() + "]}\n"
                + "  task: {endpoints: [127.0.0.1:" + stub.port() + "]}\n";
        GatewayConfig config = GatewayConfig.fromYaml(RoundTripBenchmark.SETTINGS + upstreams, "benchmark");
        authorization = "Authorization: Bearer " + Tokens.mint(config.auth(), "bench", "bench-user",
                "trades:read trades:write", Duration.ofHours(1)) + "\r\n";
        local = Gateway.start(config);
        // Two more keys of rateLimits, the last block of SETTINGS.
        String sharedLimits = "  store: redis\n  redis: {address: \"" + redis.address() + "\"}\n";
        shared = Gateway.start(GatewayConfig.fromYaml(RoundTripBenchmark.SETTINGS + sharedLimits + upstreams,
                "benchmark (shared rate limits)"));
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException, InterruptedException {
        local.close();
        shared.close();
        redis.close();
        stub.close();
    }

    /** The admin port of the gateway whose limits are shared (for its metrics). */
    int sharedAdminPort() {
        return shared.adminPort();
    }

    /** One keep-alive connection per benchmark thread to each gateway. */
    @State(Scope.Thread)
    public static class Clients {
        BlockingHttpClient viaLocal;
        BlockingHttpClient viaShared;

        @Setup(Level.Trial)
        public void connect(RoundTripSharedLimitsBenchmark bench) throws IOException {
            viaLocal = new BlockingHttpClient(bench.local.port(), RoundTripBenchmark.get(bench.authorization));
            viaShared = new BlockingHttpClient(bench.shared.port(), RoundTripBenchmark.get(bench.authorization));
        }

        @TearDown(Level.Trial)
        public void disconnect() throws IOException {
            viaLocal.close();
            viaShared.close();
        }
    }

    @Benchmark
    public int gatewaySharedLimits(Clients c) throws IOException {
        return RoundTripBenchmark.expectOk(c.viaShared.exchange());
    }

    /** Not a benchmark: the same GET with local limits, for {@link SharedLimitsCost}'s alternating blocks. */
    public int gatewayLocal(Clients c) throws IOException {
        return RoundTripBenchmark.expectOk(c.viaLocal.exchange());
    }
}
