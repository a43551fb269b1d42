package dev.gateway.bench;

import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.server.Gateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime) // every round trip timed: the gate reads the fastest, which neighbours barely move
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dgateway.logLevel=warn"})
public class RoundTripBenchmark {
    private static final byte[] GET = ("GET /v1/trades/trd_abcdefghij0123456789 HTTP/1.1\r\nHost: bench\r\n"
            + "User-Agent: jmh\r\nAccept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    /** A {@code placeTrade}: its JSON body is held, parsed in place and validated before it goes upstream. */
    private static final byte[] POST = post("{\"clientOrderId\":\"ord-20261124-0001\",\"accountId\":\"ACC-00012345\","
            + "\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25,"
            + "\"timeInForce\":\"DAY\"}");

    private static byte[] post(String body) {
        return ("POST /v1/trades HTTP/1.1\r\nHost: bench\r\nUser-Agent: jmh\r\nAccept: application/json\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    private StubUpstream stub;
    private Gateway gateway;

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
        stub = new StubUpstream();
        String endpoint = "127.0.0.1:" + stub.port();
        gateway = Gateway.start(GatewayConfig.fromYaml("listener: {host: 127.0.0.1, port: 0}\n"
                + "admin: {host: 127.0.0.1, port: 0}\n"
                + "eventLoops: 1\n"
                + "upstreams:\n"
                + "  trade: {endpoints: [" + endpoint + "]}\n"
                + "  task: {endpoints: [" + endpoint + "]}\n", "benchmark"));
    }

    @TearDown(Level.Trial)
    public void stop() {
        gateway.close();
        stub.close();
    }

    /** One keep-alive connection per benchmark thread, to each target. */
    @State(Scope.Thread)
    public static class Clients {
        BlockingHttpClient viaGateway;
        BlockingHttpClient direct;
        BlockingHttpClient postViaGateway;
        BlockingHttpClient postDirect;

        @Setup(Level.Trial)
        public void connect(RoundTripBenchmark bench) throws IOException {
            viaGateway = new BlockingHttpClient(bench.gateway.port(), GET);
            direct = new BlockingHttpClient(bench.stub.port(), GET);
            postViaGateway = new BlockingHttpClient(bench.gateway.port(), POST);
            postDirect = new BlockingHttpClient(bench.stub.port(), POST);
        }

        @TearDown(Level.Trial)
        public void disconnect() throws IOException {
            viaGateway.close();
            direct.close();
            postViaGateway.close();
            postDirect.close();
        }
    }

    @Benchmark
    public int gateway(Clients c) throws IOException {
        return expectOk(c.viaGateway.exchange());
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

    private static int expectOk(int status) {
        if (status != 200) {
            throw new IllegalStateException("status " + status);
        }
        return status;
    }
}
