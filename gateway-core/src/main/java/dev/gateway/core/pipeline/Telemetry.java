package dev.gateway.core.pipeline;

import dev.gateway.core.observe.GatewayMetrics;
import dev.gateway.core.observe.RouteMetrics;
import dev.gateway.core.observe.Tracing;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

/**
 * What an exchange leaves behind when it ends: its access log line, its count and time in the metrics,
 * and its server span. Shared by every connection; holds nothing per exchange.
 */
public final class Telemetry {
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    /** The status logged and counted for an exchange that ended with nothing sent: the client left. */
    static final int CLIENT_CLOSED = 499;

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

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The tracer, or {@code null} when tracing is off. */
    Tracing tracing() {
        return tracing;
    }

    /** The exchange has its request head: its server span starts now, when tracing is on. */
    void started(Exchange ex, String clientAddress, int clientPort) {
        if (tracing != null && ex.request != null) {
            ex.span = tracing.serverSpan(ex.request, ex.rawUri, clientAddress, clientPort, ex.requestId);
        }
    }

    /**
     * The exchange is over, answered or not.
     *
     * @param errored the connection broke before the whole response was written
     */
    void ended(Exchange ex, String clientAddress, int clientPort, boolean errored) {
        long nanos = System.nanoTime() - ex.startNanos;
        int status = ex.status != 0 ? ex.status : CLIENT_CLOSED;
        String route = ex.operation != null ? ex.operation.operation().pathTemplate() : ex.routeTemplate;
        RouteMetrics series = ex.operation != null ? ex.operation.metrics()
                : metrics.unrouted(ex.request == null ? null : ex.request.method(),
                        route != null ? route : GatewayMetrics.UNMATCHED);
        series.exchange(status, nanos, ex.bytesIn, ex.bytesOut);
        String traceId = null;
        if (ex.span != null) {
            traceId = ex.span.getSpanContext().getTraceId();
            Tracing.endServerSpan(ex.span, ex.request.method().name(), route, ex.status, errored);
            ex.span = null;
        } else if (ex.request != null) {
            traceId = callersTraceId(ex.request);
        }
        if (accessLog != null) {
            accessLog.write(ex, clientAddress, clientPort, route, status, System.currentTimeMillis(), nanos,
                    traceId, errored);
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
