package dev.gateway.bench;

import dev.gateway.core.auth.Tokens;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.server.Gateway;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A request through the whole gateway pipeline to a Netty stub upstream and back over loopback, beside the
 * same request straight to the stub: the physical limit. Their ratio is what the gateway adds, measured in
 * one run, so it holds across machines.
 *
 * <p>Requests through the gateway carry a bearer token (verified once, then found in the token cache, as
 * for a caller that reuses its token) and take a token from their caller's rate-limit bucket. {@code
 * gatewayOpen} is the same GET through a second gateway whose contract asks for no credentials: the
 * ratio of the two is what authentication and rate limiting add to a round trip. Rate limits shared on Redis
 * are measured in {@link RoundTripSharedLimitsBenchmark}, whose forks alone run a {@code redis-server}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime) // every round trip timed: the gate reads the fastest, which neighbours barely move
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dgateway.logLevel=warn", "-Dlog4j2.configurationFile=log4j2-bench.properties"})
public class RoundTripBenchmark {
    private static final String GET_HEAD = "GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: bench\r\n"
            + "User-Agent: jmh\r\nAccept: application/json\r\n";
    /** A {@code placeTrade}: its JSON body is held, parsed in place and validated before it goes upstream. */
    private static final String POST_BODY = "{\"clientOrderId\":\"ord-20261124-0001\",\"accountId\":\"ACC-00012345\","
            + "\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25,"
            + "\"timeInForce\":\"DAY\"}";
    /**
     * The gateway's settings: one event loop, an HS256 issuer, and rate limits that count every request
     * but never refuse one.
     */
    static final String SETTINGS = "listener: {host: 127.0.0.1, port: 0}\n"
            + "admin: {host: 127.0.0.1, port: 0}\n"
            + "eventLoops: 1\n"
            + "auth:\n"
            + "  issuers: [gateway-bench]\n"
            + "  audience: trade-gateway\n"
            + "  hmacKeys: {bench: bench-hs256-secret-0123456789abcdef}\n"
            + "rateLimits:\n"
            + "  trade:\n"
            + "    read: {perSecond: 1000000000, burst: 1000000}\n"
            + "    write: {perSecond: 1000000000, burst: 1000000}\n";

    static byte[] get(String credentials) {
        return (GET_HEAD + credentials + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] post(String credentials) {
        return ("POST /v1/trades HTTP/1.1\r\nHost: bench\r\nUser-Agent: jmh\r\nAccept: application/json\r\n"
                + credentials + "Content-Type: application/json\r\nContent-Length: " + POST_BODY.length()
                + "\r\n\r\n" + POST_BODY).getBytes(StandardCharsets.US_ASCII);
    }

    private StubUpstream stub;
    private Gateway gateway;
    private Gateway openGateway;
    private Gateway tracedGateway;
    private Path openContract;
    private String authorization;

    @Setup(Level.Trial)
    public void start() throws IOException, InterruptedException {
        stub = new StubUpstream();
        String upstreams = "upstreams:\n"
                + "  trade: {endpoints: [127.0.0.1:" + stub.port() + "]}\n"
                + "  task: {endpoints: [127.0.0.1:" + stub.port() + "]}\n";
        GatewayConfig config = GatewayConfig.fromYaml(SETTINGS + upstreams, "benchmark");
        authorization = "Authorization: Bearer " + Tokens.mint(config.auth(), "bench", "bench-user",
                "trades:read trades:write", Duration.ofHours(1)) + "\r\n";
        gateway = Gateway.start(config);
        openContract = openContract();
        openGateway = Gateway.start(GatewayConfig.fromYaml(SETTINGS + upstreams + "contract: " + openContract + "\n",
                "benchmark (open contract)"));
        // Spans go to the stub too, which answers the OTLP POSTs 200 like a collector would.
        tracedGateway = Gateway.start(GatewayConfig.fromYaml(SETTINGS + upstreams + "tracing: {enabled: true, "
                + "sampleRatio: 0.01, endpoint: \"http://127.0.0.1:" + stub.port() + "/v1/traces\"}\n",
                "benchmark (traced)"));
    }

    /** The bundled contract with its global security requirement replaced by none. */
    private static Path openContract() throws IOException {
        String bundled;
        try (InputStream in = Contract.class.getClassLoader().getResourceAsStream(Contract.BUNDLED)) {
            bundled = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String secured = "security:\n  - bearerAuth: []\n  - apiKey: []\n";
        if (!bundled.contains(secured)) {
            throw new IllegalStateException("the bundled contract's global security requirement moved");
        }
        Path file = Files.createTempFile("open-contract", ".yaml");
        Files.writeString(file, bundled.replace(secured, "security: []\n"));
        return file;
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        gateway.close();
        openGateway.close();
        tracedGateway.close();
        stub.close();
        Files.deleteIfExists(openContract);
    }

    /** One keep-alive connection per benchmark thread, to each target. */
    @State(Scope.Thread)
    public static class Clients {
        BlockingHttpClient viaGateway;
        BlockingHttpClient viaOpenGateway;
        BlockingHttpClient viaTracedGateway;
        BlockingHttpClient direct;
        BlockingHttpClient postViaGateway;
        BlockingHttpClient postDirect;

        @Setup(Level.Trial)
        public void connect(RoundTripBenchmark bench) throws IOException {
            viaGateway = new BlockingHttpClient(bench.gateway.port(), get(bench.authorization));
            viaOpenGateway = new BlockingHttpClient(bench.openGateway.port(), get(""));
            viaTracedGateway = new BlockingHttpClient(bench.tracedGateway.port(), get(bench.authorization));
            direct = new BlockingHttpClient(bench.stub.port(), get(bench.authorization));
            postViaGateway = new BlockingHttpClient(bench.gateway.port(), post(bench.authorization));
            postDirect = new BlockingHttpClient(bench.stub.port(), post(bench.authorization));
        }

        @TearDown(Level.Trial)
        public void disconnect() throws IOException {
            viaGateway.close();
            viaOpenGateway.close();
            viaTracedGateway.close();
            direct.close();
            postViaGateway.close();
            postDirect.close();
        }
    }

    @Benchmark
    public int gateway(Clients c) throws IOException {
        return expectOk(c.viaGateway.exchange());
    }

    /** The same GET through a gateway that asks for no credentials (and so counts no rate). */
    @Benchmark
    public int gatewayOpen(Clients c) throws IOException {
        return expectOk(c.viaOpenGateway.exchange());
    }

    /**
     * The same GET through a gateway with tracing on: 1% of requests (a new trace each, as no caller
     * sends a traceparent here) recorded and exported, the others carrying an unsampled context upstream.
     */
    @Benchmark
    public int gatewayTraced(Clients c) throws IOException {
        return expectOk(c.viaTracedGateway.exchange());
    }

    @Benchmark
    public int direct(Clients c) throws IOException {
        return expectOk(c.direct.exchange());
    }

    @Benchmark
    public int gatewayPost(Clients c) throws IOException {
        return expectOk(c.postViaGateway.exchange());
    }

    @Benchmark
    public int directPost(Clients c) throws IOException {
        return expectOk(c.postDirect.exchange());
    }

    static int expectOk(int status) {
        if (status != 200) {
            throw new IllegalStateException("status " + status);
        }
        return status;
    }
}
