package dev.gateway.core.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;

/**
 * The series of HTTP/2 on the public listener: connections that chose it, and what the gateway ended
 * for misbehaviour of its own finding (the frame decoder's own refusals end in GOAWAY or RST_STREAM
 * without a count).
 */
public final class Http2Metrics {
    private final Counter connections;
    private final Counter floods;
    private final Counter stalls;

    Http2Metrics(CollectorRegistry registry) {
        this.connections = Counter.build("gateway_http2_connections_total",
                "Client connections that chose HTTP/2 (h2 by ALPN or h2c by prior knowledge).").register(registry);
        this.floods = Counter.build("gateway_http2_control_frame_floods_total",
                "HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM for sending too many PING, SETTINGS, "
                        + "PRIORITY or unknown frames.").register(registry);
        this.stalls = Counter.build("gateway_http2_send_stalls_total",
                "HTTP/2 streams reset because the client's flow-control window held their response back for "
                        + "client.bodyIdleTimeout.").register(registry);
    }

    /** Counts a connection that chose HTTP/2. */
    public void connectionOpened() {
        connections.inc();
    }

    /** Counts a connection closed for a control-frame flood. */
    public void flood() {
        floods.inc();
    }

    /** @param streams how many streams one check reset for a stalled send */
    public void sendStalls(int streams) {
        stalls.inc(streams);
    }
}
