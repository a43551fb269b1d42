package dev.gateway.core.upstream;

/**
 * For tests in other packages: sets what the active health checks would have found, without running
 * them ({@code HealthProbe} is the only production caller of {@link Endpoint#checkedHealthy(boolean)}).
 */
public final class EndpointHealth {
    private EndpointHealth() {
    }

    /** Every endpoint of {@code upstream} as if a check had just answered {@code healthy}. */
    public static void checked(Upstream upstream, boolean healthy) {
        upstream.endpoints().forEach(e -> e.checkedHealthy(healthy));
    }
}
