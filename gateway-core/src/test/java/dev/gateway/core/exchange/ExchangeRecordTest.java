package dev.gateway.core.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestTarget;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import io.opentelemetry.api.trace.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@link ExchangeLifecycle} leaves behind: one {@link ExchangeRecord} per exchange, handed to its
 * {@link ExchangeObserver} once, after a trip upstream still under way was stopped; and the write-once
 * rule of the {@link Exchange}'s stage-owned fields.
 */
@ExtendWith(LeakGuard.class)
class ExchangeRecordTest {
    /** Everything the lifecycle told its observer, in order. */
    private final List<String> events = new ArrayList<>();
    private final List<ExchangeRecord> records = new ArrayList<>();
    private final ServerState state = new ServerState();
    private ChannelHandlerContext stages;
    private Exchange seen;
    private final ExchangeLifecycle exchanges = new ExchangeLifecycle(state,
            new ConnectionTimeouts(TimeUnit.SECONDS.toNanos(65), TimeUnit.SECONDS.toNanos(10),
                    TimeUnit.SECONDS.toNanos(30)),
            new ExchangeObserver() {
                @Override
                public Span started(String requestId, HttpRequest request, ClientProtocol protocol, String clientAddress,
                    int clientPort) {
                    events.add("started " + requestId);
                    return null;
                }

                @Override
                public void ended(ExchangeRecord record) {
                    events.add("ended " + record.requestId());
                    records.add(record);
                }
            });
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new HttpServerCodec(RequestFraming.decoderConfig(8192, 8192, 16384)), new FlowControlHandler(), exchanges,
            new ChannelInboundHandlerAdapter() {
                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    stages = ctx;
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof HttpRequest) {
                        seen = exchanges.current();
                    }
                    ReferenceCountUtil.release(msg);
                }
            });

    @AfterEach
    void releaseWhatIsLeft() {
        channel.finishAndReleaseAll(); // LeakGuard fails the class if anything was leaked before this
    }

    private void send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    private static FullHttpResponse answer(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII));
        r.headers().set("content-length", body.length());
        return r;
    }

    private void dropWritten() {
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
    }

    @Test
    void anAnsweredExchangeLeavesItsStatusBytesAndCaller() {
        send("POST /v1/trades?x=1 HTTP/1.1\r\nHost: gw\r\nX-Request-Id: desk-7\r\nContent-Length: 4\r\n\r\nabcd");
        seen.targetParsed(RequestTarget.parse("/v1/trades?x=1"));
        seen.pathMatched("/v1/trades");
        stages.writeAndFlush(answer(HttpResponseStatus.CREATED, "{\"id\":1}"));
        dropWritten();
        assertEquals(List.of("started desk-7", "ended desk-7"), events);
        ExchangeRecord r = records.get(0);
        assertEquals(201, r.status());
        assertTrue(r.answered() && r.delivered());
        assertEquals(4, r.bytesIn());
        assertEquals(8, r.bytesOut());
        assertEquals("/v1/trades?x=1", r.rawUri());
        assertEquals("/v1/trades", r.route());
        assertEquals("POST", r.request().method().name());
        assertNull(r.forwardedTo(), "nothing went upstream");
        assertEquals("embedded", r.clientAddress());
    }

    @Test
    void anExchangeTheClientLeftBeforeAnyAnswerIs499AndNotDelivered() {
        send("GET /slow HTTP/1.1\r\nHost: gw\r\n\r\n");
        channel.close();
        assertEquals(1, records.size());
        ExchangeRecord r = records.get(0);
        assertEquals(ExchangeRecord.CLIENT_CLOSED, r.status());
        assertFalse(r.answered());
        assertFalse(r.delivered());
        assertEquals(0, state.inFlight());
    }

    @Test
    void aTripUpstreamStillUnderWayIsStoppedBeforeTheRecordIsWritten() {
        send("GET /v1/trades/trd_1 HTTP/1.1\r\nHost: gw\r\n\r\n");
        seen.callStarted(() -> events.add("call abandoned"), "trade");
        seen.upstreamTime(1234);
        channel.close();
        assertEquals(3, events.size(), events.toString());
        assertEquals("call abandoned", events.get(1), "the attempt's outcome must be in before the record");
        assertTrue(events.get(2).startsWith("ended "));
        assertEquals("trade", records.get(0).forwardedTo());
        assertEquals(1234, records.get(0).upstreamNanos());
    }

    @Test
    void aRejectionIsRecordedWithTheErrorsStatusAndBodySize() {
        send("GET /nope HTTP/1.1\r\nHost: gw\r\n\r\n");
        FullHttpResponse expected = ErrorResponses.create(UnpooledByteBufAllocator.DEFAULT, ErrorCode.NOT_FOUND,
                ErrorCode.NOT_FOUND.defaultMessage(), seen.requestId());
        int bodyBytes = expected.content().readableBytes();
        expected.release();
        seen.reject(stages, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND.defaultMessage());
        dropWritten();
        ExchangeRecord r = records.get(0);
        assertEquals(404, r.status());
        assertEquals(bodyBytes, r.bytesOut(), "the error body, without its head");
        assertNull(r.route());
    }

    @Test
    void whatAStageFoundIsWrittenOnce() {
        send("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n");
        seen.targetParsed(RequestTarget.parse("/a"));
        assertThrows(IllegalStateException.class, () -> seen.targetParsed(RequestTarget.parse("/b")));
        seen.pathMatched("/a");
        assertThrows(IllegalStateException.class, () -> seen.pathMatched("/b"));
        UpstreamCall call = () -> { };
        seen.callStarted(call, "trade");
        assertThrows(IllegalStateException.class, () -> seen.callStarted(call, "task"));
        assertEquals("/a", seen.target().path());
        stages.writeAndFlush(answer(HttpResponseStatus.OK, "{}"));
        dropWritten();
    }
}
