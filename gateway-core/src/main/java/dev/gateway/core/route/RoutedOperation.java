package dev.gateway.core.route;

import dev.gateway.core.config.GatewayConfig.ResponseValidation;
import dev.gateway.core.contract.Operation;
import dev.gateway.core.contract.RequestRules;
import dev.gateway.core.contract.ResponseRules;
import dev.gateway.core.metrics.RouteMetrics;
import dev.gateway.core.ratelimit.RateClass;
import dev.gateway.core.upstream.Upstream;
import java.time.Duration;

/**
 * A contract operation bound to where it is served, resolved once at start.
 *
 * @param upstream where it is forwarded, or {@code null} for an operation the gateway answers itself
 * @param local which built-in answer, when {@code upstream} is {@code null}
 * @param responseTimeout request sent to response headers; {@code null} for streams
 * @param idleTimeout longest silence in either direction for streams; {@code null} otherwise
 * @param totalTimeout request received to response headers, retries included; {@code null} for streams
 * @param rules what the contract asks of its requests; {@code null} where nothing is checked
 * @param responseValidation how upstream JSON responses are checked
 * @param responses the response schemas when responses are checked, else {@code null}
 * @param rateClass the bucket each caller's requests are counted in, or {@code null} when not limited
 * @param metrics its series, resolved once; {@code null} only outside a gateway
 * @param route the index of its item in {@code routes} (what a split or shadow applies to), or {@code -1}
 *     for an operation the gateway answers itself
 */
public record RoutedOperation(
        Operation operation, Upstream upstream, LocalEndpoint local, Duration responseTimeout,
        Duration idleTimeout, Duration totalTimeout, RequestRules rules, ResponseValidation responseValidation,
        ResponseRules responses, RateClass rateClass, RouteMetrics metrics, int route) {

    public RoutedOperation(Operation operation, Upstream upstream, LocalEndpoint local, Duration responseTimeout,
            Duration idleTimeout) {
        this(operation, upstream, local, responseTimeout, idleTimeout, null, null, ResponseValidation.OFF, null, null,
                null, -1);
    }

    /** The same, answering with these response schemas. */
    public RoutedOperation withResponses(ResponseRules checked) {
        return new RoutedOperation(operation, upstream, local, responseTimeout, idleTimeout, totalTimeout, rules,
                responseValidation, checked, rateClass, metrics, route);
    }

    /** The same, counted in these series. */
    public RoutedOperation withMetrics(RouteMetrics series) {
        return new RoutedOperation(operation, upstream, local, responseTimeout, idleTimeout, totalTimeout, rules,
                responseValidation, responses, rateClass, series, route);
    }

    /** Upstream JSON responses are held until checked, and a mismatch is answered with 502. */
    public boolean enforcesResponses() {
        return responses != null && responseValidation == ResponseValidation.ENFORCE;
    }

    /** The operations the gateway answers itself, on the public listener too. */
    public enum LocalEndpoint {
        HEALTH,
        READINESS
    }
}
