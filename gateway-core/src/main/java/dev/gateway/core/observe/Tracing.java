package dev.gateway.core.observe;

import dev.gateway.core.config.GatewayConfig.TracingConfig;
import dev.gateway.core.exchange.ClientProtocol;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;

/**
 * Traces with the OpenTelemetry SDK: W3C {@code traceparent}/{@code tracestate} in and out, a server span
 * per request and a client span per upstream attempt, exported in batches over OTLP/HTTP by the JDK's
 * HTTP client on the SDK's own thread. Sampling follows the caller's decision when it sent one, else a
 * ratio of trace ids. Spans travel with the exchange, never through a thread-local context: one event
 * loop serves many exchanges at once.
 */
public final class Tracing implements AutoCloseable {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
    private static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    private static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    private static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    private static final AttributeKey<Long> CLIENT_PORT = AttributeKey.longKey("client.port");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
    private static final AttributeKey<String> PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
    private static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("gateway.request_id");
    private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("gateway.upstream");
    private static final AsciiString USER_AGENT_HEADER = AsciiString.cached("user-agent");

    private static final TextMapGetter<HttpHeaders> FROM_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    private static final TextMapSetter<HttpHeaders> TO_HEADERS = (carrier, key, value) -> carrier.set(key, value);

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get("dev.gateway");
    }

    /** Starts the SDK and its exporter as {@code tracing.*} says (whether it is enabled is the caller's). */
    public static Tracing start(TracingConfig config) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(config.endpoint())
                .setTimeout(config.exportTimeout())
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
                // A full queue drops spans (counted by the SDK) rather than block an event loop.
                .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                        .setScheduleDelay(config.scheduleDelay())
                        .setMaxQueueSize(config.maxQueueSize())
                        .setExporterTimeout(config.exportTimeout())
                        .build())
                .build();
        return new Tracing(provider);
    }

    /**
     * Starts the request's server span, as a child of the caller's trace when it sent one. Attributes are
     * set only on a span that records: most requests are not sampled and cost an id and a decision.
     *
     * @param uri the request target as the client sent it
     * @param protocol the client's scheme and HTTP version ({@code url.scheme}, {@code network.protocol.version})
     */
    public Span serverSpan(HttpRequest request, String uri, ClientProtocol protocol, String clientAddress,
            int clientPort, String requestId) {
        Context parent = W3C.extract(Context.root(), request.headers(), FROM_HEADERS);
        String method = request.method().name();
        Span span = tracer.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
        if (!span.isRecording()) {
            return span;
        }
        int q = uri.indexOf('?');
        span.setAttribute(METHOD, method)
                .setAttribute(URL_SCHEME, protocol.scheme())
                .setAttribute(URL_PATH, q < 0 ? uri : uri.substring(0, q))
                .setAttribute(CLIENT_ADDRESS, clientAddress)
                .setAttribute(CLIENT_PORT, (long) clientPort)
                .setAttribute(PROTOCOL_VERSION, protocol.version(request))
                .setAttribute(REQUEST_ID, requestId);
        if (q >= 0) {
            span.setAttribute(URL_QUERY, uri.substring(q + 1));
        }
        String agent = request.headers().get(USER_AGENT_HEADER);
        if (agent != null) {
            span.setAttribute(USER_AGENT, agent);
        }
        return span;
    }

    /**
     * Ends the server span.
     *
     * @param route the route template, or {@code null} when the request matched none
     * @param errored the connection broke before the response was complete
     */
    public static void endServerSpan(Span span, String method, String route, int status, boolean errored) {
        if (!span.isRecording()) {
            span.end();
            return;
        }
        if (route != null) {
            span.setAttribute(ROUTE, route);
            span.updateName(method + " " + route);
        }
        if (status > 0) {
            span.setAttribute(STATUS, (long) status);
        }
        if (status >= 500) {
            span.setAttribute(ERROR_TYPE, Integer.toString(status));
            span.setStatus(StatusCode.ERROR);
        } else if (errored) {
            span.setAttribute(ERROR_TYPE, "connection_closed");
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /**
     * Starts a client span for one attempt upstream and puts its context in the request's
     * {@code traceparent}/{@code tracestate}, replacing the caller's.
     */
    public Span clientSpan(Span server, HttpRequest head, String upstream, String host, int port, int resendCount) {
        String method = head.method().name();
        Span span = tracer.spanBuilder(method).setParent(Context.root().with(server)).setSpanKind(SpanKind.CLIENT)
                .startSpan();
        if (span.isRecording()) {
            span.setAttribute(METHOD, method)
                    .setAttribute(SERVER_ADDRESS, host)
                    .setAttribute(SERVER_PORT, (long) port)
                    .setAttribute(URL_FULL, "http://" + host + ":" + port + head.uri())
                    .setAttribute(UPSTREAM, upstream);
            if (resendCount > 0) {
                span.setAttribute(RESEND_COUNT, (long) resendCount);
            }
        }
        W3C.inject(Context.root().with(span), head.headers(), TO_HEADERS);
        return span;
    }

    /**
     * Ends an attempt's client span.
     *
     * @param status the upstream's status, or 0 when it gave none
     * @param error why the attempt failed, or {@code null} when it answered
     */
    public static void endClientSpan(Span span, int status, String error) {
        if (span.isRecording()) {
            if (status > 0) {
                span.setAttribute(STATUS, (long) status);
            }
            if (error != null || status >= 500) {
                span.setAttribute(ERROR_TYPE, error != null ? error : Integer.toString(status));
                span.setStatus(StatusCode.ERROR);
            }
        }
        span.end();
    }

    /** Exports what is queued (waiting at most the given time) and stops the exporter. */
    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    /** For tests and shutdown: exports everything queued now. */
    public void flush() {
        provider.forceFlush().join(10, TimeUnit.SECONDS);
    }
}
