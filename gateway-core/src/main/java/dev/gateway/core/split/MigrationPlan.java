package dev.gateway.core.split;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.GatewayConfig.RouteConfig;
import dev.gateway.core.config.MigrationConfig.ShadowConfig;
import dev.gateway.core.config.MigrationConfig.SplitConfig;
import dev.gateway.core.upstream.Upstream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The split and shadow of every route at one moment: immutable, so a request reads one consistent plan
 * with a single volatile read of {@link Migration#plan()}, and a change is a new plan swapped in whole.
 * Routes are indexed as the {@code routes} items are ({@code RoutedOperation.route()}).
 */
public final class MigrationPlan {
    private final RouteMigration[] routes;

    private MigrationPlan(RouteMigration[] routes) {
        this.routes = routes;
    }

    /**
     * @param routes the {@code routes} items, in order
     * @param upstreams every upstream by name
     * @throws IllegalArgumentException a split or shadow naming an upstream that does not exist
     */
    public static MigrationPlan of(List<RouteConfig> routes, Map<String, Upstream> upstreams) {
        RouteMigration[] out = new RouteMigration[routes.size()];
        for (int i = 0; i < out.length; i++) {
            RouteConfig r = routes.get(i);
            Upstream own = named(upstreams, r.upstream());
            SplitConfig s = r.split();
            ShadowConfig sh = r.shadow();
            out[i] = new RouteMigration(r.prefix(), own,
                    s == null ? null : new RouteSplit(own, named(upstreams, s.stable()), s.canaryBasisPoints()),
                    sh, sh == null ? null : named(upstreams, sh.target()));
        }
        return new MigrationPlan(out);
    }

    private static Upstream named(Map<String, Upstream> upstreams, String name) {
        Upstream u = upstreams.get(name);
        if (u == null) {
            throw new IllegalArgumentException("no upstream '" + name + "'");
        }
        return u;
    }

    /** @return the route's migration, or {@code null} for an operation the gateway answers itself ({@code -1}) */
    public RouteMigration route(int index) {
        return index < 0 ? null : routes[index];
    }

    public List<RouteMigration> routes() {
        return List.of(routes);
    }

    /** @return the index of the route with this prefix, or {@code -1} */
    public int indexOf(String prefix) {
        for (int i = 0; i < routes.length; i++) {
            if (routes[i].prefix().equals(prefix)) {
                return i;
            }
        }
        return -1;
    }

    /** A plan like this one with route {@code index} replaced. */
    MigrationPlan with(int index, RouteMigration route) {
        RouteMigration[] next = Arrays.copyOf(routes, routes.length);
        next[index] = route;
        return new MigrationPlan(next);
    }

    /** The plan as the admin API shows it: per route, its upstream, split and shadow. */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode byPrefix = root.putObject("routes");
        for (RouteMigration r : routes) {
            ObjectNode n = byPrefix.putObject(r.prefix());
            n.put("upstream", r.upstream().name());
            if (r.split() != null) {
                n.putObject("split").put("stable", r.split().stable().name())
                        .put("canaryWeight", r.split().canaryBasisPoints() / 100.0);
            }
            if (r.shadow() != null) {
                n.putObject("shadow").put("target", r.shadowTarget().name())
                        .put("percent", r.shadow().basisPoints() / 100.0)
                        .put("writes", r.shadow().writes())
                        .put("baselinePercent", r.shadow().baselineBasisPoints() / 100.0);
            }
        }
        return root;
    }
}
