package dev.gateway.core.server;

import dev.gateway.core.admin.Probes;
import dev.gateway.core.exchange.ServerState;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Upstream;
import dev.gateway.core.upstream.UpstreamPools;
import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import java.util.List;

/**
 * The gauges of state that lives elsewhere, read when Prometheus scrapes rather than kept up to date on
 * the request path: client connections and requests in flight, readiness, each upstream's state and
 * requests in flight, each endpoint's health, breaker and pooled connections.
 */
final class GatewayGauges extends Collector {
    private static final String[] UPSTREAM_STATES = {"up", "down", "open"};
    private static final String[] BREAKER_STATES = {"closed", "open", "half_open"};

    private final ServerState state;
    private final Probes probes;
    private final List<Upstream> upstreams;
    private final UpstreamPools pools;

    GatewayGauges(ServerState state, Probes probes, List<Upstream> upstreams, UpstreamPools pools) {
        this.state = state;
        this.probes = probes;
        this.upstreams = upstreams;
        this.pools = pools;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        GaugeMetricFamily upstreamState = new GaugeMetricFamily("gateway_upstream_state",
                "Each upstream's state as /readyz gives it: 1 for the current one of up, down, open.",
                List.of("upstream", "state"));
        GaugeMetricFamily upstreamInFlight = new GaugeMetricFamily("gateway_upstream_requests_in_flight",
                "Exchanges in flight to each upstream (bounded by maxConcurrentRequests).", List.of("upstream"));
        GaugeMetricFamily endpointUp = new GaugeMetricFamily("gateway_upstream_endpoint_up",
                "Each endpoint's active health-check verdict (1 healthy).", List.of("upstream", "endpoint"));
        GaugeMetricFamily ejected = new GaugeMetricFamily("gateway_upstream_endpoint_ejected",
                "1 while an endpoint is ejected as an outlier.", List.of("upstream", "endpoint"));
        GaugeMetricFamily breaker = new GaugeMetricFamily("gateway_circuit_breaker_state",
                "Each endpoint's circuit breaker: 1 for the current one of closed, open, half_open.",
                List.of("upstream", "endpoint", "state"));
        GaugeMetricFamily connections = new GaugeMetricFamily("gateway_upstream_connections",
                "Pooled upstream connections, active (connecting or leased) and idle.",
                List.of("upstream", "endpoint", "state"));
        GaugeMetricFamily pending = new GaugeMetricFamily("gateway_upstream_pending_acquires",
                "Requests waiting for a pooled connection to come free.", List.of("upstream", "endpoint"));
        for (Upstream u : upstreams) {
            String current = u.state().label();
            for (String s : UPSTREAM_STATES) {
                upstreamState.addMetric(List.of(u.name(), s), s.equals(current) ? 1 : 0);
            }
            upstreamInFlight.addMetric(List.of(u.name()), u.inFlight());
            for (Endpoint e : u.endpoints()) {
                String name = e.hostHeader().toString();
                endpointUp.addMetric(List.of(u.name(), name), e.healthy() ? 1 : 0);
                ejected.addMetric(List.of(u.name(), name), e.ejectedNow() ? 1 : 0);
                String b = e.breakerState();
                for (String s : BREAKER_STATES) {
                    breaker.addMetric(List.of(u.name(), name, s), s.equals(b) ? 1 : 0);
                }
                int[] counts = pools.connectionCounts(u, e);
                connections.addMetric(List.of(u.name(), name, "active"), counts[0]);
                connections.addMetric(List.of(u.name(), name, "idle"), counts[1]);
                pending.addMetric(List.of(u.name(), name), counts[2]);
            }
        }
        return List.of(
                new GaugeMetricFamily("gateway_client_connections", "Open client connections.", state.connections()),
                new GaugeMetricFamily("gateway_requests_in_flight", "Client exchanges in flight.", state.inFlight()),
                new GaugeMetricFamily("gateway_ready", "1 when /readyz answers 200.", probes.ready() ? 1 : 0),
                upstreamState, upstreamInFlight, endpointUp, ejected, breaker, connections, pending);
    }
}
