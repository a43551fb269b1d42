package dev.gateway.core.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.core.contract.Operation;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private static Route route(String template, HttpMethod... methods) {
        return new Route(template, java.util.Arrays.stream(methods)
                .map(m -> new RoutedOperation(new Operation(m + template, m, template, List.of(), true), null, null, null, null))
                .toList());
    }

    private final RouteTable table = new RouteTable(List.of(
            route("/v1/trades", HttpMethod.GET, HttpMethod.POST),
            route("/v1/trades/batch", HttpMethod.POST),
            route("/v1/trades/{tradeId}", HttpMethod.GET, HttpMethod.DELETE),
            route("/v1/tasks/{taskId}/artifacts/{name}", HttpMethod.PUT, HttpMethod.GET)));

    @Test
    void literalsWinOverParametersAndParametersMatchOneSegment() {
        assertEquals("/v1/trades/batch", table.match("/v1/trades/batch").template());
        assertEquals("/v1/trades/{tradeId}", table.match("/v1/trades/trd_1").template());
        assertEquals("/v1/tasks/{taskId}/artifacts/{name}", table.match("/v1/tasks/t/artifacts/a.csv").template());
        assertNull(table.match("/v1/trades/a/b"));
        assertNull(table.match("/v1/trades/"));      // a parameter never matches an empty segment
        assertNull(table.match("/v1/tradesx"));
        assertNull(table.match("/v1"));
        assertNull(table.match("/"));
        assertNull(table.match("/v1/tasks/t/artifacts/"));
    }

    @Test
    void methodsAndAllow() {
        Route r = table.match("/v1/trades/batch");
        assertNull(r.operation(HttpMethod.GET));
        assertEquals("POST", r.allow());
        assertEquals("GET, POST", table.match("/v1/trades").allow());
        assertEquals(HttpMethod.DELETE, table.match("/v1/trades/x").operation(HttpMethod.DELETE).operation().method());
    }
}
