package dev.gateway.core.split;

import dev.gateway.core.config.MigrationConfig.ShadowConfig;
import dev.gateway.core.upstream.Upstream;

/**
 * What one {@code routes} item does besides forwarding to its upstream: a split, a shadow, both or
 * neither. Immutable; part of a {@link MigrationPlan}.
 *
 * @param prefix the route's prefix, its name in metrics and the admin API
 * @param upstream the route's own upstream (the canary of a split)
 * @param split the split, or {@code null}
 * @param shadow the shadow settings, or {@code null}
 * @param shadowTarget the upstream shadow copies go to, or {@code null} without a shadow
 */
public record RouteMigration(String prefix, Upstream upstream, RouteSplit split, ShadowConfig shadow,
        Upstream shadowTarget) {
    /** The same route with another split. */
    RouteMigration withSplit(RouteSplit other) {
        return new RouteMigration(prefix, upstream, other, shadow, shadowTarget);
    }

    /** The same route with another shadow (both {@code null} for none). */
    RouteMigration withShadow(ShadowConfig other, Upstream target) {
        return new RouteMigration(prefix, upstream, split, other, target);
    }
}
