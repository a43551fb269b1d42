package dev.gateway.core.route;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig.OperationConfig;
import dev.gateway.core.config.GatewayConfig.ResponseValidation;
import dev.gateway.core.config.GatewayConfig.RouteConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.contract.Operation;
import dev.gateway.core.contract.RequestRules;
import dev.gateway.core.contract.ResponseRules;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.ratelimit.RateClass;
import dev.gateway.core.ratelimit.RateClasses;
import dev.gateway.core.route.RoutedOperation.LocalEndpoint;
import dev.gateway.core.upstream.Upstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Binds every operation of the contract, once at start, to what serves it: {@code /healthz} and
 * {@code /readyz} to the gateway's own answers, every other operation to the upstream of the longest
 * matching {@code routes} prefix, with its timeouts, request rules, response rules (where checked), rate
 * class and metrics. The request path then only reads the resolved {@link RoutedOperation}s.
 */
public final class RouteBinder {
    private RouteBinder() {
    }

    /**
     * @param upstreams the running upstreams, by name
     * @return the immutable route table
     * @throws ConfigException an operation under no prefix, or an {@code operations} key that names no
     *     operation of the contract
     */
    public static RouteTable bind(Contract contract, GatewayConfig config, Map<String, Upstream> upstreams,
            RateClasses rateClasses, GatewayMetrics metrics) {
        for (String id : config.operations().keySet()) {
            if (contract.operations().stream().noneMatch(o -> o.id().equals(id))) {
                throw ConfigException.about("operations." + id, "setting 'operations." + id
                        + "': the contract has no operation of that id");
            }
        }
        Map<String, RequestRules> rules = contract.compileRequestRules(op -> {
            OperationConfig oc = config.operations().get(op.id());
            if (oc != null && oc.maxBodyBytes() != null) {
                return oc.maxBodyBytes();
            }
            return contract.takesJsonBody(op) ? config.client().maxJsonBodyBytes() : config.client().maxBodyBytes();
        });
        List<RoutedOperation> bound = new ArrayList<>();
        for (Operation op : contract.operations()) {
            bound.add(bind(op, config, upstreams, rules.get(op.id()), rateClasses));
        }
        Set<String> checked = new HashSet<>();
        for (RoutedOperation r : bound) {
            if (r.upstream() != null && r.responseValidation() != ResponseValidation.OFF) {
                checked.add(r.operation().id());
            }
        }
        Map<String, ResponseRules> responses = contract.compileResponseRules(checked);
        Map<String, List<RoutedOperation>> byTemplate = new LinkedHashMap<>();
        for (RoutedOperation r : bound) {
            Operation op = r.operation();
            boolean checks = responses.containsKey(op.id());
            RoutedOperation withResponses = (checks ? r.withResponses(responses.get(op.id())) : r)
                    .withMetrics(metrics.route(op.method().name(), op.pathTemplate(), checks ? op.id() : null));
            byTemplate.computeIfAbsent(r.operation().pathTemplate(), t -> new ArrayList<>()).add(withResponses);
        }
        List<Route> routes = new ArrayList<>();
        byTemplate.forEach((template, ops) -> routes.add(new Route(template, ops)));
        return new RouteTable(routes);
    }

    private static RoutedOperation bind(Operation op, GatewayConfig config, Map<String, Upstream> upstreams,
            RequestRules rules, RateClasses rateClasses) {
        if (op.pathTemplate().equals("/healthz")) {
            return new RoutedOperation(op, null, LocalEndpoint.HEALTH, null, null);
        }
        if (op.pathTemplate().equals("/readyz")) {
            return new RoutedOperation(op, null, LocalEndpoint.READINESS, null, null);
        }
        RouteConfig best = null;
        for (RouteConfig r : config.routes()) {
            String p = r.prefix();
            boolean under = op.pathTemplate().equals(p) || op.pathTemplate().startsWith(p.endsWith("/") ? p : p + "/");
            if (under && (best == null || p.length() > best.prefix().length())) {
                best = r;
            }
        }
        if (best == null) {
            throw ConfigException.about("routes", "setting 'routes': operation '" + op.id() + "' (" + op.method()
                    + " " + op.pathTemplate() + ") of the contract falls under no prefix in 'routes'");
        }
        Upstream upstream = upstreams.get(best.upstream());
        OperationConfig oc = config.operations().get(op.id());
        Duration idle = oc == null ? null : oc.idleTimeout();
        Duration response = oc != null && oc.responseTimeout() != null
                ? oc.responseTimeout() : upstream.config().responseTimeout();
        ResponseValidation validation = oc != null && oc.responseValidation() != null
                ? oc.responseValidation() : best.responseValidation();
        RateClass rateClass = rateClasses.of(upstream.name(), op.isRead());
        return new RoutedOperation(op, upstream, null, idle == null ? response : null, idle,
                idle == null ? best.totalTimeout() : null, rules, validation, null, rateClass, null,
                config.routes().indexOf(best));
    }
}
