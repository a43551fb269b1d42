package dev.gateway.core.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.ratelimit.RateClasses;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Upstream;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How contract operations are bound to upstreams and timeouts at start. */
class RouteBinderTest {
    private static Map<String, Upstream> upstreams(GatewayConfig c) {
        Map<String, Upstream> out = new LinkedHashMap<>();
        c.upstreams().values().forEach(u -> out.put(u.name(), new Upstream(out.size(), u,
                List.of(new Endpoint(u.name(), "127.0.0.1", 1, u.breaker())))));
        return out;
    }

    private static RouteTable table(String yaml) {
        GatewayConfig c = GatewayConfig.fromYaml(yaml, "gw.yaml");
        return RouteBinder.bind(Contract.bundled(), c, upstreams(c), RateClasses.of(c.rateLimits()), new GatewayMetrics());
    }

    @Test
    void operationsGetTheirUpstreamAndTimeouts() {
        RouteTable t = table("");
        RoutedOperation get = t.match("/v1/trades/trd_x").operation(HttpMethod.GET);
        assertEquals("trade", get.upstream().name());
        assertEquals(Duration.ofSeconds(2), get.responseTimeout());
        assertNull(get.idleTimeout());
        RoutedOperation events = t.match("/v1/tasks/tsk_x/events").operation(HttpMethod.GET);
        assertEquals("task", events.upstream().name());
        assertEquals(Duration.ofSeconds(120), events.idleTimeout());
        assertNull(events.responseTimeout());
        assertEquals(RoutedOperation.LocalEndpoint.READINESS, t.match("/readyz").operation(HttpMethod.GET).local());
    }

    @Test
    void theLongestPrefixWins() {
        RouteTable t = table("routes: [{prefix: /v1/trades, upstream: trade}, {prefix: /v1/tasks, upstream: task},"
                + " {prefix: /v1/trades/batch, upstream: task}]");
        assertEquals("task", t.match("/v1/trades/batch").operation(HttpMethod.POST).upstream().name());
        assertEquals("trade", t.match("/v1/trades").operation(HttpMethod.POST).upstream().name());
    }

    @Test
    void unroutableOperationsAndUnknownOperationIdsStopTheStart() {
        String msg = assertThrows(ConfigException.class,
                () -> table("routes: [{prefix: /v1/trades, upstream: trade}]")).getMessage();
        assertTrue(msg.contains("falls under no prefix") && msg.contains("/v1/tasks"), msg);
        // A prefix matches whole segments only.
        assertThrows(ConfigException.class, () -> table("routes: [{prefix: /v1/trad, upstream: trade},"
                + " {prefix: /v1/tasks, upstream: task}]"));
        msg = assertThrows(ConfigException.class, () -> table("operations: {placeOrder: {idleTimeout: 1s}}"))
                .getMessage();
        assertTrue(msg.contains("setting 'operations.placeOrder'") && msg.contains("no operation"), msg);
    }

    @Test
    void readsAndWritesGetTheirUpstreamsRateClass() {
        RouteTable t = table("rateLimits: {task: {read: ~}}");
        assertEquals("trade.read", t.match("/v1/trades/trd_x").operation(HttpMethod.GET).rateClass().name());
        assertEquals("trade.write", t.match("/v1/trades").operation(HttpMethod.POST).rateClass().name());
        assertNull(t.match("/v1/tasks/tsk_x").operation(HttpMethod.GET).rateClass(), "task reads are not limited");
        assertEquals("task.write", t.match("/v1/tasks").operation(HttpMethod.POST).rateClass().name());
    }
}
