package dev.gateway.bench;

import dev.gateway.codec.RequestTarget;
import dev.gateway.core.auth.Authenticator;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.auth.Unauthenticated;
import dev.gateway.core.config.AuthConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.proxy.ForwardedHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The header rules applied to every proxied request and response ({@code ForwardedHeaders}). Each call
 * rewrites a fresh message, as the decoder would hand one over.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderRewriteBenchmark {
    private static final AsciiString UPSTREAM = AsciiString.cached("10.0.0.7:9001");
    /** An authenticated caller, as every request to a secured operation has: three identity headers. */
    private static final Principal CALLER = caller();
    private static final RequestTarget TARGET = RequestTarget.parse("/v1/trades");

    private static Principal caller() {
        AuthConfig auth = GatewayConfig.fromYaml("auth: {apiKeys: {desk-7: {"
                + "sha256: b0962662e937d44c699c8305d90cbf190b3150c59b13863d1380b5cc3c711bb7, "
                + "scopes: [trades:read, trades:write]}}}",
                "benchmark").auth();
        try {
            return Authenticator.create(auth, null).authenticate(null, "bench-key");
        } catch (Unauthenticated e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public HttpRequest requestToUpstream() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/trades");
        r.headers().set("host", "api.example.com").set("user-agent", "k6/0.54").set("accept", "application/json")
                .set("content-type", "application/json").set("content-length", "212")
                .set("authorization", "Bearer abc.def.ghi").set("idempotency-key", "k-0123456789")
                .set("x-request-id", "01JD3ZQ4N8X5T7R2M9K6P1W0YB").set("connection", "keep-alive");
        ForwardedHeaders.toUpstream(r, "01JD3ZQ4N8X5T7R2M9K6P1W0YB", 212, TARGET, CALLER, "10.1.2.3", false, UPSTREAM, false);
        return r;
    }

    @Benchmark
    public HttpResponse responseToClient() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CREATED);
        r.headers().set("content-type", "application/json").set("content-length", "388")
                .set("location", "/v1/trades/trd_abcdefghij0123456789").set("connection", "keep-alive")
                .set("keep-alive", "timeout=5").set("date", "Tue, 24 Nov 2026 17:00:00 GMT");
        ForwardedHeaders.toClient(r, true, true);
        return r;
    }
}
