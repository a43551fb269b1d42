package dev.gateway.bench;

import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestIds;
import dev.gateway.codec.RequestTarget;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** What the request guard does to every request: framing checks, target normalisation, the request id. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestGuardBenchmark {
    private HttpRequest request;

    @Setup
    public void request() {
        request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/trades/trd_abcdefghij0123456789");
        request.headers().set("host", "api.example.com").set("user-agent", "bench").set("accept", "*/*");
    }

    @Benchmark
    public String framingCheck() {
        return RequestFraming.violation(request);
    }

    /** The common case: nothing to decode, the path comes back as it is. */
    @Benchmark
    public RequestTarget normalisePlainPath() {
        return RequestTarget.parse("/v1/trades?accountId=ACC-00012345&limit=50");
    }

    @Benchmark
    public RequestTarget normaliseEscapedPath() {
        return RequestTarget.parse("/v1/./tasks/%74sk_abcdefghij0123456789/artifacts/r%65port%20q3.csv");
    }

    @Benchmark
    public boolean acceptClientRequestId() {
        return RequestIds.isAcceptable("01JD3ZQ4N8X5T7R2M9K6P1W0YB");
    }

    @Benchmark
    public String newRequestId() {
        return RequestIds.newId();
    }
}
