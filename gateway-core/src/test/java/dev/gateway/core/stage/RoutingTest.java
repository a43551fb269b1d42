package dev.gateway.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.codec.RequestTarget;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.stage.StageHarness.Answer;
import dev.gateway.core.upstream.EndpointHealth;
import dev.gateway.testing.LeakGuard;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Routing} alone, over the bundled contract bound as at start: 404 for a path the contract does
 * not have, 405 with {@code Allow} for a method it does not serve there, {@code /healthz} and
 * {@code /readyz} answered on the spot, and every other request passed on with its operation recorded.
 * The guard's work (the parsed target) is given.
 */
@ExtendWith(LeakGuard.class)
class RoutingTest {
    private static StageFixture fixture;
    private StageHarness h;
    private double before404;

    @BeforeAll
    static void parts() {
        fixture = new StageFixture();
    }

    @AfterAll
    static void closeParts() {
        fixture.close();
    }

    @BeforeEach
    void routing() {
        h = new StageHarness(fixture, (ex, request) -> ex.targetParsed(RequestTarget.parse(request.uri())),
                s -> new Routing(s.exchanges, fixture.routes, fixture.probes(s.state)));
        before404 = fixture.sample("http_request_duration_seconds_count", "method", "GET", "path", "#unmatched",
                "status_code", "404");
    }

    @AfterEach
    void everyBufferReleased() {
        h.close();
        fixture.upstreams.values().forEach(u -> EndpointHealth.checked(u, true));
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gw\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/nope", "/v1/trades/trd_x/extra", "/v1/tasks/", "/", "/healthz/x", "/V1/trades"})
    void aPathTheContractDoesNotHaveIs404(String path) {
        h.send(get(path));
        Answer a = h.answer();
        assertEquals(404, a.status());
        assertEquals("NOT_FOUND", a.code());
        assertEquals("no such path", a.message());
        assertFalse(a.closes());
        assertTrue(h.passed.isEmpty());
        assertNull(h.exchange().operation());
        assertNull(h.ended.get(0).route(), "an unmatched path is counted under #unmatched");
        assertEquals(1.0, fixture.sample("http_request_duration_seconds_count", "method", "GET",
                "path", "#unmatched", "status_code", "404") - before404, 1e-9);
    }

    @ParameterizedTest
    @CsvSource({
        "PATCH, /v1/trades, 'GET, POST', /v1/trades",
        "PUT, /v1/trades/trd_0123456789abcdefghij, 'DELETE, GET', /v1/trades/{tradeId}",
        "POST, /healthz, GET, /healthz",
        "DELETE, /v1/tasks/tsk_0123456789abcdefghij/artifacts/a.csv, 'GET, PUT', /v1/tasks/{taskId}/artifacts/{name}",
        "HEAD, /v1/trades, 'GET, POST', /v1/trades",
        "GET, /v1/trades/batch, POST, /v1/trades/batch", // the literal segment wins over {tradeId}, whatever the method
    })
    void aMethodThePathDoesNotServeIs405WithAllow(String method, String path, String allow, String template) {
        h.send(method + " " + path + " HTTP/1.1\r\nHost: gw\r\n\r\n");
        Answer a = h.answer();
        assertEquals(405, a.status());
        assertEquals("METHOD_NOT_ALLOWED", a.code());
        assertEquals("method not allowed on this path", a.message());
        assertEquals(allow, a.headers().get("allow"));
        assertTrue(h.passed.isEmpty());
        assertNull(h.exchange().operation());
        assertEquals(template, h.ended.get(0).route(), "a 405 is counted under the path's template");
    }

    @Test
    void theBodyOfARequestAnsweredWith404IsDroppedAndReleased() {
        h.send("POST /v1/nope HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\n{}");
        assertEquals(404, h.answer().status());
        assertTrue(h.passed.isEmpty(), "neither head nor body goes on");
        assertEquals(0, h.state.inFlight(), "the exchange ended once the body was read");
    }

    @Test
    void healthzIsAnsweredHere() {
        h.send(get("/healthz"));
        Answer a = h.answer();
        assertEquals(200, a.status());
        assertEquals("{\"status\":\"ok\"}", a.body());
        assertEquals("application/json", a.headers().get("content-type"));
        assertEquals(RoutedOperation.LocalEndpoint.HEALTH, h.exchange().operation().local());
        assertTrue(h.passed.isEmpty());
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void readyzIsReadyWhenEveryUpstreamIsUp() {
        fixture.upstreams.values().forEach(u -> EndpointHealth.checked(u, true));
        h.send(get("/readyz"));
        Answer a = h.answer();
        assertEquals(200, a.status());
        assertEquals("{\"status\":\"ready\",\"upstreams\":{\"trade\":\"up\",\"task\":\"up\"}}", a.body());
        assertEquals(RoutedOperation.LocalEndpoint.READINESS, h.exchange().operation().local());
        assertTrue(h.passed.isEmpty());
    }

    @Test
    void readyzIsNotReadyWhenAnUpstreamIsDown() {
        EndpointHealth.checked(fixture.upstream("trade"), true);
        EndpointHealth.checked(fixture.upstream("task"), false);
        h.send(get("/readyz"));
        Answer a = h.answer();
        assertEquals(503, a.status());
        assertEquals("{\"status\":\"not_ready\",\"upstreams\":{\"trade\":\"up\",\"task\":\"down\"}}", a.body());
        assertTrue(h.passed.isEmpty());
    }

    @Test
    void readyzIsNotReadyOnceDrainingBegins() {
        fixture.upstreams.values().forEach(u -> EndpointHealth.checked(u, true));
        h.state.startDraining();
        h.send(get("/readyz"));
        Answer a = h.answer();
        assertEquals(503, a.status());
        assertEquals("not_ready", a.json().get("status").asText());
        assertEquals("up", a.json().get("upstreams").get("trade").asText());
    }

    @ParameterizedTest
    @CsvSource({
        "GET, /v1/trades/trd_0123456789abcdefghij, getTrade, trade",
        "DELETE, /v1/trades/trd_0123456789abcdefghij, cancelTrade, trade",
        "POST, /v1/trades/batch, placeTradeBatch, trade",
        "GET, /v1/./trades?accountId=ACC-00012345, listTrades, trade",
        "GET, /v1/tasks/tsk_0123456789abcdefghij/events, streamTaskEvents, task",
        "PUT, /v1/tasks/x/artifacts/a.csv, uploadArtifact, task",
    })
    void aRoutedRequestPassesWithItsOperation(String method, String target, String operationId, String upstream) {
        h.send(method + " " + target + " HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size(), "the head and its end");
        HttpRequest request = h.passedRequests().get(0);
        assertEquals(target, request.uri());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, h.passed.get(1));
        RoutedOperation op = h.exchange().operation();
        assertEquals(operationId, op.operation().id());
        assertEquals(upstream, op.upstream().name());
        assertNull(op.local());
        assertEquals(1, h.state.inFlight(), "the exchange goes on to be answered upstream");
    }
}
