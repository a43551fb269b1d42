package dev.gateway.core.observe;

import dev.gateway.core.exchange.ClientProtocol;
import dev.gateway.core.exchange.ExchangeObserver;
import dev.gateway.core.exchange.ExchangeRecord;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.metrics.RouteMetrics;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.opentelemetry.api.trace.Span;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * What an exchange leaves behind when it ends: its access log line, its count and time in the metrics,
 * and its server span. Shared by every connection; holds nothing per exchange.
 */
public final class Telemetry implements ExchangeObserver {
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");

    private final GatewayMetrics metrics;
    private final AccessLog accessLog;
    private final Tracing tracing;

    /**
     * @param accessLog whether to write access log lines
     * @param tracing the tracer, or {@code null} when tracing is off
     */
    public Telemetry(GatewayMetrics metrics, boolean accessLog, long pid, String hostname, Tracing tracing) {
        this.metrics = metrics;
        this.accessLog = accessLog ? new AccessLog(pid, hostname) : null;
        this.tracing = tracing;
    }

    /**
     * The access log's {@code hostname}: the pod's name on Kubernetes ({@code HOSTNAME}), else the
     * machine's. Resolving may block: call it at start, never on an event loop.
     */
    public static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The tracer, or {@code null} when tracing is off. */
    public Tracing tracing() {
        return tracing;
    }

    @Override
    public Span started(String requestId, HttpRequest request, ClientProtocol protocol, String clientAddress,
            int clientPort) {
        return tracing == null ? null
                : tracing.serverSpan(request, request.uri(), protocol, clientAddress, clientPort, requestId);
    }

    @Override
    public void ended(ExchangeRecord r) {
        RouteMetrics series = r.operation() != null ? r.operation().metrics()
                : metrics.unrouted(r.request() == null ? null : r.request().method(),
                        r.route() != null ? r.route() : GatewayMetrics.UNMATCHED);
        series.exchange(r.status(), r.durationNanos(), r.bytesIn(), r.bytesOut());
        String traceId = null;
        if (r.span() != null) {
            traceId = r.span().getSpanContext().getTraceId();
            Tracing.endServerSpan(r.span(), r.request().method().name(), r.route(), r.answered() ? r.status() : 0,
                    !r.delivered());
        } else if (r.request() != null) {
            traceId = callersTraceId(r.request());
        }
        if (accessLog != null) {
            accessLog.write(r, System.currentTimeMillis(), traceId);
        }
    }

    /**
     * With tracing off the caller's trace id still goes in the log, when its {@code traceparent} is well
     * formed ({@code 00-<32 hex>-<16 hex>-<2 hex>}, the trace id not all zeros).
     */
    static String callersTraceId(HttpRequest request) {
        String tp = request.headers().get(TRACEPARENT);
        if (tp == null || tp.length() < 55 || tp.charAt(2) != '-' || tp.charAt(35) != '-' || tp.charAt(52) != '-') {
            return null;
        }
        boolean zero = true;
        for (int i = 3; i < 35; i++) {
            char c = tp.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
            zero &= c == '0';
        }
        return zero ? null : tp.substring(3, 35);
    }
}
