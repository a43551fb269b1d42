package dev.gateway.core.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestIds;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.observe.Telemetry;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ExchangeLifecycle} alone, in the handlers around it on a client connection (timeouts, the strict
 * decoder, flow control), with a stand-in for the stages after it that answers when the test says so.
 * What goes out is decoded again by a client codec, as a client would read it.
 */
@ExtendWith(LeakGuard.class)
class ExchangeLifecycleTest {
    private final ServerState state = new ServerState();
    /** The requests that reached the stages after {@code ExchangeLifecycle}. */
    private final List<HttpRequest> forwarded = new ArrayList<>();
    /** Body bytes that reached the stages after it. */
    private long forwardedBodyBytes;
    private ChannelHandlerContext stages;
    private ExchangeLifecycle exchanges;
    private final EmbeddedChannel channel = newChannel();
    private final EmbeddedChannel client = new EmbeddedChannel(new HttpClientCodec(),
            new HttpObjectAggregator(1 << 16));

    private EmbeddedChannel newChannel() {
        ConnectionTimeouts timeouts = new ConnectionTimeouts(TimeUnit.SECONDS.toNanos(65),
                TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(30));
        exchanges = new ExchangeLifecycle(state, timeouts,
                new Telemetry(new GatewayMetrics(), false, 1, "test", null));
        return new EmbeddedChannel(timeouts, new HttpServerCodec(RequestFraming.decoderConfig(8192, 8192, 16384)),
                new FlowControlHandler(), exchanges, new ChannelInboundHandlerAdapter() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        stages = ctx;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof HttpRequest) {
                            forwarded.add((HttpRequest) msg);
                        }
                        if (msg instanceof HttpContent) {
                            forwardedBodyBytes += ((HttpContent) msg).content().readableBytes();
                        }
                        ReferenceCountUtil.release(msg);
                    }
                });
    }

    @AfterEach
    void noBufferLeftBehind() {
        channel.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    private void send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    private static FullHttpResponse answer(HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII));
        r.headers().set("content-length", 2);
        return r;
    }

    /** What the client reads of everything written so far, as whole responses. */
    private List<FullHttpResponse> responses() {
        List<FullHttpResponse> out = new ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            client.writeInbound((ByteBuf) o);
        }
        for (Object o; (o = client.readInbound()) != null; ) {
            out.add((FullHttpResponse) o);
        }
        return out;
    }

    @Test
    void theAnswerCarriesTheRequestsIdOrANewOne() {
        send("GET /a HTTP/1.1\r\nHost: gw\r\nX-Request-Id: desk-7.order_1\r\n\r\n");
        stages.writeAndFlush(answer(HttpResponseStatus.OK));
        send("GET /b HTTP/1.1\r\nHost: gw\r\nX-Request-Id: bad id\r\n\r\n");
        stages.writeAndFlush(answer(HttpResponseStatus.OK));
        List<FullHttpResponse> rs = responses();
        assertEquals(2, rs.size());
        assertEquals("desk-7.order_1", rs.get(0).headers().get("x-request-id"));
        String fresh = rs.get(1).headers().get("x-request-id");
        assertTrue(RequestIds.isAcceptable(fresh) && fresh.length() == 26, fresh);
        assertEquals(fresh, forwarded.get(1).headers().get("x-request-id"), "the stages saw the id the client gets");
        rs.forEach(ReferenceCountUtil::release);
        assertEquals(0, state.inFlight());
    }

    @Test
    void aPipelinedRequestWaitsUntilTheAnswerBeforeItIsWritten() {
        send("GET /first HTTP/1.1\r\nHost: gw\r\n\r\nGET /second HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertEquals(1, forwarded.size(), "the second request must wait for the first answer");
        assertFalse(channel.config().isAutoRead(), "reading is paused while it waits");
        stages.writeAndFlush(answer(HttpResponseStatus.OK));
        assertEquals(2, forwarded.size());
        assertEquals("/second", forwarded.get(1).uri());
        stages.writeAndFlush(answer(HttpResponseStatus.CREATED));
        List<FullHttpResponse> rs = responses();
        assertEquals(List.of(200, 201), rs.stream().map(r -> r.status().code()).toList());
        rs.forEach(ReferenceCountUtil::release);
        assertTrue(channel.config().isAutoRead());
    }

    @Test
    void aSecondAnswerToOneRequestIsDroppedAndReleased() {
        send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n");
        stages.writeAndFlush(answer(HttpResponseStatus.OK));
        FullHttpResponse late = answer(HttpResponseStatus.GATEWAY_TIMEOUT); // say, a timeout that lost the race
        stages.writeAndFlush(late);
        assertEquals(0, late.refCnt(), "a dropped answer must be released");
        List<FullHttpResponse> rs = responses();
        assertEquals(1, rs.size());
        assertEquals(200, rs.get(0).status().code());
        rs.forEach(ReferenceCountUtil::release);
    }

    @Test
    void whileDrainingANewRequestGets503DrainingAndTheConnectionCloses() {
        state.refuseRequests();
        send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n");
        List<FullHttpResponse> rs = responses();
        assertEquals(1, rs.size());
        assertEquals(503, rs.get(0).status().code());
        assertEquals("close", rs.get(0).headers().get("connection"));
        assertTrue(rs.get(0).content().toString(StandardCharsets.UTF_8).contains("DRAINING"));
        assertTrue(forwarded.isEmpty(), "a refused request goes no further");
        rs.forEach(ReferenceCountUtil::release);
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void aHeadThatTimesOutGets408AndTheConnectionCloses() {
        send("GET /a HTTP/1.1\r\nHost: gw\r\n"); // the head never ends
        channel.pipeline().fireUserEventTriggered(ClientTimeout.HEADERS);
        List<FullHttpResponse> rs = responses();
        assertEquals(1, rs.size());
        assertEquals(408, rs.get(0).status().code());
        assertTrue(RequestIds.isAcceptable(rs.get(0).headers().get("x-request-id")));
        rs.forEach(ReferenceCountUtil::release);
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertNull(exchanges.current(), "the exchange ended with the answer");
        assertEquals(0, state.inFlight());
    }

    @Test
    void anEarlyAnswerReadsAndDropsTheRestOfASmallBodyAndKeepsTheConnection() {
        send("POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\n12345");
        // A stage refuses before the body is in (a relayed upstream answer, written straight, would let it flow on).
        exchanges.current().respond(stages, answer(HttpResponseStatus.FORBIDDEN));
        List<FullHttpResponse> rs = responses();
        assertEquals(1, rs.size());
        assertNull(rs.get(0).headers().get("connection"), "a small body is read and dropped, not a reason to close");
        rs.forEach(ReferenceCountUtil::release);
        assertEquals(1, state.inFlight(), "the exchange lasts until the body is read");
        send("67890");
        assertEquals(5, forwardedBodyBytes, "only what came before the answer went on");
        assertEquals(0, state.inFlight());
        send("GET /b HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertEquals(2, forwarded.size(), "the next request is read as a request");
        assertTrue(channel.isOpen());
    }

    @Test
    void anEarlyAnswerToALargeBodyClosesTheConnection() {
        send("POST /a HTTP/1.1\r\nHost: gw\r\nContent-Length: 100000\r\n\r\n12345");
        exchanges.current().respond(stages, answer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE));
        List<FullHttpResponse> rs = responses();
        assertEquals("close", rs.get(0).headers().get("connection"));
        rs.forEach(ReferenceCountUtil::release);
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "100000 bytes are too many to read for nothing");
        assertEquals(0, state.inFlight());
    }

    @Test
    void aChunkWhoseFramingBreaksIs400AndTheConnectionCloses() {
        send("POST /a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
        List<FullHttpResponse> rs = responses();
        assertEquals(1, rs.size());
        assertEquals(400, rs.get(0).status().code());
        assertTrue(rs.get(0).content().toString(StandardCharsets.UTF_8)
                .contains("malformed request: unreadable body framing"));
        assertEquals("close", rs.get(0).headers().get("connection"));
        rs.forEach(ReferenceCountUtil::release);
        assertEquals(5, forwardedBodyBytes, "the good chunk went on before the bad one");
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertEquals(0, state.inFlight());
    }
}
