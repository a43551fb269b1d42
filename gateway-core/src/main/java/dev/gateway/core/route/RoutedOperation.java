package dev.gateway.core.route;

import dev.gateway.core.contract.Operation;
import dev.gateway.core.upstream.Upstream;
import java.time.Duration;

/**
 * A contract operation bound to where it is served, resolved once at start.
 *
 * @param upstream where it is forwarded, or {@code null} for an operation the gateway answers itself
 * @param local which built-in answer, when {@code upstream} is {@code null}
 * @param responseTimeout request sent to response headers; {@code null} for streams
 * @param idleTimeout longest silence in either direction for streams; {@code null} otherwise
 */
public record RoutedOperation(
        Operation operation, Upstream upstream, LocalEndpoint local, Duration responseTimeout, Duration idleTimeout) {

    /** The operations the gateway answers itself, on the public listener too. */
    public enum LocalEndpoint {
        HEALTH,
        READINESS
    }
}
