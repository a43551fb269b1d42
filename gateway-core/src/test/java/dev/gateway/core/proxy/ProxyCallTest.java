package dev.gateway.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.codec.ErrorCode;
import dev.gateway.core.exchange.RequestRefused;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ProxyCall} through every move of its state machine ({@link CallState}), with a real pool and real
 * loopback upstreams, and client connections in {@link io.netty.channel.embedded.EmbeddedChannel}s
 * ({@link ProxyRig}). Each test names the moves it takes.
 */
@Timeout(30)
class ProxyCallTest {
    private static final Duration RESPONSE = Duration.ofSeconds(5);
    private static final String GET = "GET /v1/trades/1 HTTP/1.1\r\nHost: gw\r\n\r\n";

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closed(T c) {
        closing.add(c);
        return c;
    }

    private LoopbackUpstream upstream(LoopbackUpstream.Script script) throws InterruptedException {
        return closed(new LoopbackUpstream(script));
    }

    private ProxyRig rig(String settings, Duration response, Duration total, String... endpoints) {
        return closed(new ProxyRig(settings, response, null, total, endpoints));
    }

    /** A loopback port nothing listens on: connecting is refused. */
    private static String refusingEndpoint() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    // --- acquiring ------------------------------------------------------------------------------

    @Test
    void aNewConnectionIsWaitedForThenTheIdleOneIsHandedOverAtOnce() throws Exception {
        // NEW → CONNECTING → SENDING → AWAITING_RESPONSE → RELAYING → DONE, twice
        LoopbackUpstream up = upstream(LoopbackUpstream.ANSWER_EACH);
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();

        ProxyCall first = c.send(GET);
        assertEquals(CallState.CONNECTING, c.stateAfterSend, "the first connection is still being made");
        assertFalse(c.readingAfterSend, "the client is not read while there is nowhere to send its body");
        assertEquals("{}", c.expect(200));
        assertEquals(CallState.DONE, c.state(first));
        assertTrue(c.reading());

        ProxyCall second = c.send(GET);
        assertEquals(CallState.AWAITING_RESPONSE, c.stateAfterSend,
                "the idle connection is handed over at once and the request written");
        assertEquals("{}", c.expect(200));
        assertEquals(CallState.DONE, c.state(second));

        assertEquals(1, up.conns.size(), "one connection, reused");
        assertEquals(2, rig.attempts(up.endpoint(), "success"));
        assertTrue(up.conns.get(0).received().toLowerCase().contains("host: " + up.endpoint()),
                "Host is the endpoint's own");
        c.assertAllReleased();
    }

    @Test
    void anAcquireAtTheCapWaitsForTheConnectionToComeBack() throws Exception {
        // CONNECTING (waiting in the pool's queue) → SENDING → ... → DONE
        LoopbackUpstream up = upstream(LoopbackUpstream.SILENT);
        ProxyRig rig = rig(", maxConnectionsPerEndpoint: 1, maxPendingAcquires: 1", RESPONSE, null, up.endpoint());
        ProxyRig.Client a = rig.client();
        ProxyRig.Client b = rig.client();
        a.send(GET);
        rig.await("a's request upstream", () -> up.conns.size() == 1 && up.conns.get(0).requests() == 1);

        ProxyCall waiting = b.send(GET);
        assertEquals(CallState.CONNECTING, b.stateAfterSend);
        assertEquals(1, rig.connections(0)[2], "b waits in the pool's queue");
        assertFalse(b.readingAfterSend);

        up.conns.get(0).send(LoopbackUpstream.OK);
        a.expect(200);
        rig.await("b's request on the same connection", () -> up.conns.get(0).requests() == 2);
        up.conns.get(0).send(LoopbackUpstream.OK);
        b.expect(200);
        assertEquals(CallState.DONE, b.state(waiting));
        assertEquals(1, up.conns.size());
        a.assertAllReleased();
        b.assertAllReleased();
    }

    @Test
    void aFullPoolWithAFullQueueIs503WithoutAVerdictOnTheEndpoint() throws Exception {
        // CONNECTING → DONE (pool exhausted)
        LoopbackUpstream up = upstream(LoopbackUpstream.SILENT);
        ProxyRig rig = rig(", maxConnectionsPerEndpoint: 1, maxPendingAcquires: 0", RESPONSE, null, up.endpoint());
        ProxyRig.Client a = rig.client();
        ProxyRig.Client b = rig.client();
        a.send(GET);
        rig.await("a's request upstream", () -> up.conns.size() == 1 && up.conns.get(0).requests() == 1);

        b.send(GET);
        String body = b.expect(503);
        assertTrue(body.contains("UPSTREAM_UNAVAILABLE") && body.contains("connection limit"), body);
        assertEquals(1, rig.attempts(up.endpoint(), "abandoned"), "the gateway's own limit: no verdict");
        assertEquals(0, rig.attempts(up.endpoint(), "failure"));
        assertTrue(b.reading());

        up.conns.get(0).send(LoopbackUpstream.OK);
        a.expect(200);
        b.assertAllReleased();
    }

    @Test
    void aWaitForAPooledConnectionLongerThanTheConnectTimeoutIs503() throws Exception {
        // CONNECTING → DONE (the call's deadline while queued)
        LoopbackUpstream up = upstream(LoopbackUpstream.SILENT);
        ProxyRig rig = rig(", connectTimeout: 100ms, maxConnectionsPerEndpoint: 1, maxPendingAcquires: 1", RESPONSE,
                null, up.endpoint());
        ProxyRig.Client a = rig.client();
        ProxyRig.Client b = rig.client();
        a.send(GET);
        rig.await("a's request upstream", () -> up.conns.size() == 1 && up.conns.get(0).requests() == 1);
        ProxyCall waiting = b.send(GET);
        assertEquals(CallState.CONNECTING, b.stateAfterSend);
        b.runTimersUntilDone(waiting);
        String body = b.expect(503);
        assertTrue(body.contains("no upstream connection became free in time"), body);
        assertEquals(CallState.DONE, b.state(waiting));
        assertEquals(0, rig.connections(0)[2], "the waiter was withdrawn");
        assertEquals(1, rig.attempts(up.endpoint(), "abandoned"));

        up.conns.get(0).send(LoopbackUpstream.OK);
        a.expect(200);
        b.assertAllReleased();
    }

    @Test
    void aRefusedConnectionIs502AndCountsAgainstTheEndpoint() throws Exception {
        // CONNECTING → DONE (refused, no other endpoint to retry on)
        String refusing = refusingEndpoint();
        ProxyRig rig = rig("", RESPONSE, null, refusing);
        ProxyRig.Client c = rig.client();
        c.send(GET);
        String body = c.expect(502);
        assertTrue(body.contains("BAD_GATEWAY") && body.contains("refused"), body);
        assertEquals(1, rig.attempts(refusing, "failure"));
        assertEquals(0, rig.retries());
        c.assertAllReleased();
    }

    @Test
    void aRefusedConnectionIsRetriedOnAnotherEndpoint() throws Exception {
        // CONNECTING → CONNECTING (retry elsewhere) → SENDING → AWAITING_RESPONSE → RELAYING → DONE
        String refusing = refusingEndpoint();
        LoopbackUpstream up = upstream(LoopbackUpstream.ANSWER_EACH);
        ProxyRig rig = rig("", RESPONSE, null, refusing, up.endpoint());
        // The live endpoint looks busier, so the first pick (fewer calls in flight) is the refusing one.
        var live = rig.onLoop(() -> rig.loopPools.pick(rig.upstream, rig.upstream.endpoints().get(0)));
        rig.run(() -> {
            rig.upstream.released(live.endpoint());
            live.callStarted();
        });
        ProxyRig.Client c = rig.client();
        c.send(GET);
        assertEquals("{}", c.expect(200));
        rig.run(live::callEnded);
        assertEquals(1, rig.retries());
        assertEquals(1, rig.attempts(refusing, "failure"));
        assertEquals(1, rig.attempts(up.endpoint(), "success"));
        assertTrue(up.conns.get(0).received().toLowerCase().contains("host: " + up.endpoint()),
                "the retry names its own endpoint as Host");
        c.assertAllReleased();
    }

    @Test
    void aConnectTimeoutIs504() throws Exception {
        // CONNECTING → DONE (connect timeout)
        try (BlackHole hole = BlackHole.open()) {
            ProxyRig rig = rig(", connectTimeout: 200ms", RESPONSE, null, hole.endpoint());
            ProxyRig.Client c = rig.client();
            c.send(GET);
            String body = c.expect(504);
            assertTrue(body.contains("UPSTREAM_TIMEOUT") && body.contains("accept the connection in time"), body);
            assertEquals(1, rig.attempts(hole.endpoint(), "failure"));
            c.assertAllReleased();
        }
    }

    @Test
    void aClientThatLeavesWhileConnectingLeavesTheNewConnectionInThePool() throws Exception {
        // CONNECTING → DONE (abandoned); the connection that comes later goes back to the pool
        LoopbackUpstream up = upstream(LoopbackUpstream.ANSWER_EACH);
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = rig.onLoop(() -> {
            c.sendOnLoop(GET);
            assertEquals(CallState.CONNECTING, c.stateAfterSend);
            c.channel.close(); // in the same turn of the loop: the connection has not come yet
            c.channel.runPendingTasks();
            return c.sentCall;
        });
        assertEquals(CallState.DONE, c.state(call));
        rig.await("the connection made for nobody is idle", () -> rig.pools.connectionCounts(rig.upstream,
                rig.upstream.endpoints().get(0))[1] == 1);
        assertEquals(1, rig.attempts(up.endpoint(), "abandoned"));
        // The client side is connected before the upstream's loop has accepted: wait for that side too.
        rig.await("the upstream accepted the connection", () -> !up.conns.isEmpty());
        assertTrue(up.conns.get(0).received().isEmpty(), "nothing was sent");
        c.assertAllReleased();
    }

    // --- stale connections ------------------------------------------------------------------------

    /** Answers the first request of the first connection, then closes it on the next without a byte back. */
    private static final LoopbackUpstream.Script STALE_AFTER_ONE = conn -> {
        if (conn.requests() == 2 && conn.answered == 1) {
            conn.close();
        } else {
            LoopbackUpstream.ANSWER_EACH.onRead(conn);
        }
    };

    @Test
    void aReusedConnectionClosedWithoutAnswerIsRetriedForABodylessRequest() throws Exception {
        // AWAITING_RESPONSE → CONNECTING (stale) → SENDING → AWAITING_RESPONSE → RELAYING → DONE
        LoopbackUpstream up = upstream(STALE_AFTER_ONE);
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        c.send(GET);
        c.expect(200);
        c.send(GET);
        assertEquals("{}", c.expect(200));
        assertEquals(2, up.conns.size(), "sent again on a new connection");
        assertEquals(1, up.conns.get(1).requests());
        assertEquals(1, rig.retries());
        assertEquals(1, rig.attempts(up.endpoint(), "abandoned"), "a stale connection is no fault of the endpoint");
        assertEquals(0, rig.attempts(up.endpoint(), "failure"));
        c.assertAllReleased();
    }

    @Test
    void aReusedConnectionClosedWithoutAnswerIs502ForARequestWithABody() throws Exception {
        // AWAITING_RESPONSE → DONE (stale, but a body is never sent twice)
        LoopbackUpstream up = upstream(STALE_AFTER_ONE);
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        c.send(GET);
        c.expect(200);
        c.send("PUT /v1/trades/1 HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\n{}");
        String body = c.expect(502);
        assertTrue(body.contains("closed the connection without answering"), body);
        assertEquals(1, up.conns.size(), "not sent again");
        assertEquals(0, rig.retries());
        assertEquals(1, rig.attempts(up.endpoint(), "abandoned"));
        c.assertAllReleased();
    }

    // --- timeouts ---------------------------------------------------------------------------------

    @Test
    void noAnswerWithinTheResponseTimeoutIs504() throws Exception {
        // AWAITING_RESPONSE → DONE (response timeout)
        LoopbackUpstream up = upstream(LoopbackUpstream.SILENT);
        ProxyRig rig = rig("", Duration.ofMillis(150), null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send(GET);
        rig.await("the request upstream", () -> up.conns.size() == 1 && up.conns.get(0).requests() == 1);
        assertEquals(CallState.AWAITING_RESPONSE, c.state(call));
        c.runTimers();
        assertEquals(CallState.AWAITING_RESPONSE, c.state(call), "not before the timeout");
        c.runTimersUntilDone(call);
        String body = c.expect(504);
        assertTrue(body.contains("UPSTREAM_TIMEOUT"), body);
        assertFalse(body.contains("total"), body);
        assertEquals(CallState.DONE, c.state(call));
        assertEquals(1, rig.attempts(up.endpoint(), "failure"));
        rig.await("the connection closed, not pooled", () -> !up.conns.get(0).channel.isActive());
        c.assertAllReleased();
    }

    @Test
    void theRoutesTotalTimeoutCutsTheResponseTimeoutShort() throws Exception {
        // AWAITING_RESPONSE → DONE (total timeout)
        LoopbackUpstream up = upstream(LoopbackUpstream.SILENT);
        ProxyRig rig = rig("", Duration.ofSeconds(30), Duration.ofMillis(150), up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send(GET);
        rig.await("the request upstream", () -> up.conns.size() == 1 && up.conns.get(0).requests() == 1);
        c.runTimersUntilDone(call);
        String body = c.expect(504);
        assertTrue(body.contains("no answer within the route's total timeout"), body);
        assertEquals(1, rig.attempts(up.endpoint(), "failure"));
        c.assertAllReleased();
    }

    // --- the request side ---------------------------------------------------------------------------

    @Test
    void anEarlyAnswerIsRelayedTheRestOfTheBodyDroppedAndTheConnectionClosed() throws Exception {
        // SENDING → RELAYING_EARLY → DONE
        LoopbackUpstream up = upstream(conn -> {
            if (conn.headReceived() && conn.answered == 0) {
                conn.answered++;
                conn.send(LoopbackUpstream.OK);
            }
        });
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send("PUT /v1/trades/1 HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabcd");
        assertEquals("{}", c.expect(200));
        assertEquals(CallState.DONE, c.state(call));
        c.send("efghij");
        rig.await("the upstream connection closed: it holds half a request",
                () -> !up.conns.get(0).channel.isActive());
        String received = up.conns.get(0).received();
        assertFalse(received.contains("efghij"), "the rest went nowhere: " + received);
        assertEquals(1, rig.attempts(up.endpoint(), "success"));
        assertTrue(c.open(), "a small rest is read and dropped; the client connection stays");
        c.assertAllReleased();
    }

    @Test
    void theRequestsEndWrittenAfterAnEarlyAnswerLeavesTheConnectionReusable() throws Exception {
        // SENDING → RELAYING_EARLY → RELAYING → DONE
        LoopbackUpstream up = upstream(conn -> {
            if (conn.headReceived() && conn.answered == 0) {
                conn.answered++;
                conn.send("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n");
            } else if (conn.requests() == 1 && conn.answered == 1) {
                conn.answered++;
                conn.send("0\r\n\r\n");
            }
        });
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send("PUT /v1/trades/1 HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n");
        rig.await("the early head", () -> call.state() == CallState.RELAYING_EARLY);
        assertEquals(CallState.RELAYING, rig.onLoop(() -> {
            call.requestContent(LastHttpContent.EMPTY_LAST_CONTENT);
            return call.state();
        }));
        assertEquals("ok", c.expect(200));
        assertEquals(CallState.DONE, c.state(call));
        rig.await("the connection back in the pool", () -> rig.pools.connectionCounts(rig.upstream,
                rig.upstream.endpoints().get(0))[1] == 1);
        c.leave();
        c.assertAllReleased();
    }

    @Test
    void aRequestRefusedWhileItsBodyStreamsIsAnsweredAndTheUpstreamConnectionClosed() throws Exception {
        // SENDING → DONE (refused mid-body)
        LoopbackUpstream up = upstream(LoopbackUpstream.SILENT);
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send("PUT /v1/trades/1 HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n");
        rig.await("the connection", () -> call.state() == CallState.SENDING);
        rig.run(() -> c.channel.pipeline().fireUserEventTriggered(
                new RequestRefused(ErrorCode.PAYLOAD_TOO_LARGE, "request body too large")));
        String body = c.expect(413);
        assertTrue(body.contains("request body too large"), body);
        assertEquals(CallState.DONE, c.state(call));
        rig.await("half a request is never pooled", () -> up.conns.size() == 1
                && !up.conns.get(0).channel.isActive());
        assertEquals(1, rig.attempts(up.endpoint(), "abandoned"));
        c.leave();
        c.assertAllReleased();
    }

    // --- the response side ----------------------------------------------------------------------------

    @Test
    void anUpstreamThatClosesMidResponseCutsTheClient() throws Exception {
        // RELAYING → DONE (cut)
        LoopbackUpstream up = upstream(conn -> {
            if (conn.requests() == 1) {
                conn.send("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789");
                conn.close();
            }
        });
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send(GET);
        rig.await("the client connection closed", () -> {
            c.channel.runPendingTasks();
            return !c.channel.isOpen();
        });
        assertEquals(CallState.DONE, c.state(call));
        assertEquals(1, rig.attempts(up.endpoint(), "success"), "the head was an answer");
        c.assertAllReleased();
    }

    @Test
    void aClientThatLeavesWhileTheAnswerIsAwaitedIsNoVerdictOnTheEndpoint() throws Exception {
        // AWAITING_RESPONSE → DONE (abandoned: a client giving up says nothing of the endpoint; counted as a
        // failure, one client cancelling its own requests could open the breaker for everyone)
        LoopbackUpstream up = upstream(LoopbackUpstream.SILENT);
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send(GET);
        rig.await("the request upstream", () -> call.state() == CallState.AWAITING_RESPONSE
                && up.conns.size() == 1 && up.conns.get(0).requests() == 1);
        c.leave();
        assertEquals(CallState.DONE, c.state(call));
        assertEquals(0, rig.attempts(up.endpoint(), "failure"));
        assertEquals(1, rig.attempts(up.endpoint(), "abandoned"));
        rig.await("the upstream connection closed", () -> !up.conns.get(0).channel.isActive());
        c.assertAllReleased();
    }

    @Test
    void abandonAfterTheEndChangesNothingAndAnInvalidMoveIsRefused() throws Exception {
        // DONE → (nothing)
        LoopbackUpstream up = upstream(LoopbackUpstream.ANSWER_EACH);
        ProxyRig rig = rig("", RESPONSE, null, up.endpoint());
        ProxyRig.Client c = rig.client();
        ProxyCall call = c.send(GET);
        assertNotNull(call);
        c.expect(200);
        assertNull(c.call(), "the exchange is over");
        rig.run(call::abandon);
        assertEquals(CallState.DONE, c.state(call));
        assertEquals(1, rig.attempts(up.endpoint(), "success"));
        assertEquals(0, rig.attempts(up.endpoint(), "abandoned"));
        assertEquals(1, rig.connections(0)[1], "the connection stays in the pool");
        IllegalStateException refused = rig.onLoop(() -> assertThrows(IllegalStateException.class,
                () -> call.moveTo(CallState.CONNECTING)));
        assertTrue(refused.getMessage().contains("DONE → CONNECTING"), refused.getMessage());
        assertEquals(CallState.DONE, c.state(call));
        c.assertAllReleased();
    }

    /**
     * A port that is slow to accept: a listening socket with a backlog of 1 that never accepts, its accept
     * queue filled. Linux then drops further SYNs, so connecting there times out rather than being refused.
     */
    private record BlackHole(ServerSocket server, List<Socket> fillers) implements AutoCloseable {
        static BlackHole open() throws IOException {
            ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
            List<Socket> fillers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), 200);
                    fillers.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return new BlackHole(server, fillers);
                }
            }
            new BlackHole(server, fillers).close();
            throw new IllegalStateException("the accept queue never filled: connects would not time out here");
        }

        String endpoint() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) {
                s.close();
            }
            server.close();
        }
    }
}
