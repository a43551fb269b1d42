package dev.gateway.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestTarget;
import dev.gateway.core.config.GatewayConfig.ResponseValidation;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.contract.ResponseRules;
import dev.gateway.core.exchange.ConnectionTimeouts;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.exchange.ServerState;
import dev.gateway.core.metrics.GatewayMetrics;
import dev.gateway.core.observe.Telemetry;
import dev.gateway.core.route.RoutedOperation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ResponseRelay} alone: upstream messages handed in as the upstream decoder makes them, the client
 * connection an {@link EmbeddedChannel} with the server codec and {@link ExchangeLifecycle} in front of
 * the proxy stage's place, and what it writes read back by a client codec. The call is a recording
 * {@link ResponseRelay.Listener}.
 */
class ResponseRelayTest {
    private static final String CONTRACT = """
            paths:
              /things/{id}:
                get:
                  operationId: getThing
                  responses:
                    '200':
                      description: a thing
                      content:
                        application/json:
                          schema: {type: object, required: [id], properties: {id: {type: string}}}
            """;

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final Recorder listener = new Recorder();
    /** Stands in for the upstream channel: only its {@code autoRead} matters here. */
    private final EmbeddedChannel upstream = new EmbeddedChannel();
    private final EmbeddedChannel reader = new EmbeddedChannel(new HttpClientCodec(),
            new HttpObjectAggregator(4 << 20));
    /** Every buffer handed to the relay: each must be released exactly once by the end. */
    private final List<ByteBuf> handedIn = new ArrayList<>();
    private EmbeddedChannel client;
    private ChannelHandlerContext stage;
    private ResponseRelay relay;
    /** The bytes the client read, as they came (the aggregator rewrites framing). */
    private final StringBuilder raw = new StringBuilder();
    @TempDir
    Path dir;

    /** Opens a client connection with one GET in flight, its operation's responses checked as {@code validation} says. */
    private void open(ResponseValidation validation) {
        Contract contract;
        try {
            Path file = Files.writeString(dir.resolve("api.yaml"), CONTRACT);
            contract = Contract.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ResponseRules rules = validation == ResponseValidation.OFF ? null
                : contract.compileResponseRules(Set.of("getThing")).get("getThing");
        RoutedOperation op = new RoutedOperation(contract.operations().get(0), null, null, Duration.ofSeconds(5),
                null, null, null, validation, rules, null, metrics.route("GET", "/things/{id}", "getThing"), 0);
        ConnectionTimeouts timeouts = new ConnectionTimeouts(TimeUnit.SECONDS.toNanos(65),
                TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(30));
        ExchangeLifecycle exchanges = new ExchangeLifecycle(new ServerState(), timeouts,
                new Telemetry(metrics, false, 1, "test", null));
        client = new EmbeddedChannel(timeouts, new HttpServerCodec(RequestFraming.decoderConfig(8192, 8192, 16384)),
                exchanges, new ChannelInboundHandlerAdapter() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        stage = ctx;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof HttpRequest) {
                            Exchange ex = exchanges.current();
                            ex.targetParsed(RequestTarget.parse(((HttpRequest) msg).uri()));
                            ex.routed(op);
                        }
                        ReferenceCountUtil.release(msg);
                    }
                });
        client.writeInbound(Unpooled.copiedBuffer("GET /things/1 HTTP/1.1\r\nHost: gw\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        relay = new ResponseRelay(stage);
        relay.begin(listener, exchanges.current());
    }

    @AfterEach
    void releasedExactlyOnce() {
        client.finishAndReleaseAll();
        reader.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        for (ByteBuf b : handedIn) {
            assertEquals(0, b.refCnt(), "every buffer handed in is released");
        }
    }

    // --- what the upstream decoder would hand in ---

    private static HttpResponse head(HttpResponseStatus status, String... headers) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    private ByteBuf bytes(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
        handedIn.add(b);
        return b;
    }

    private HttpContent part(String s) {
        return new DefaultHttpContent(bytes(s));
    }

    private LastHttpContent last(String s) {
        return new DefaultLastHttpContent(bytes(s));
    }

    private void give(HttpObject... msgs) {
        for (HttpObject m : msgs) {
            relay.relay(m, listener.started, upstream);
        }
    }

    /** What the client has read so far, as whole responses (released by the caller). */
    private List<FullHttpResponse> responses() {
        client.runPendingTasks();
        for (Object o; (o = client.readOutbound()) != null; ) {
            raw.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            reader.writeInbound((ByteBuf) o);
        }
        List<FullHttpResponse> out = new ArrayList<>();
        for (Object o; (o = reader.readInbound()) != null; ) {
            out.add((FullHttpResponse) o);
        }
        return out;
    }

    private FullHttpResponse only() {
        List<FullHttpResponse> rs = responses();
        assertEquals(1, rs.size(), "responses the client read");
        return rs.get(0);
    }

    private double validations(String outcome) {
        Double v = metrics.registry().getSampleValue("gateway_response_validation_total",
                new String[] {"operation", "outcome"}, new String[] {"getThing", outcome});
        return v == null ? 0 : v;
    }

    // --- the head ---

    @Test
    void theHeadLosesHopByHopFieldsAndTakesTheGatewaysFramingAndTrailersLoseWhatMayNotTravelInThem() {
        open(ResponseValidation.OFF);
        give(head(HttpResponseStatus.OK, "connection", "x-trace", "x-trace", "1", "keep-alive", "timeout=5",
                "content-type", "text/plain", "x-kept", "yes"));
        assertEquals(200, listener.status);
        assertFalse(listener.head.contains("keep-alive"), "the head handed on is the client's: " + listener.head);
        assertFalse(listener.head.contains("x-trace"));
        give(part("hello "));
        relay.flush();
        LastHttpContent end = last("world");
        end.trailingHeaders().add("x-checksum", "abc").add("cache-control", "no-store").add("set-cookie", "a=b");
        give(end);
        assertEquals(Boolean.TRUE, listener.endedKeepAlive);
        FullHttpResponse r = only();
        try {
            assertEquals(HttpVersion.HTTP_1_1, r.protocolVersion());
            assertTrue(raw.toString().toLowerCase().contains("\r\ntransfer-encoding: chunked\r\n"),
                    "no length from upstream: chunked; " + raw);
            assertFalse(r.headers().contains("x-trace"), "named by Connection");
            assertFalse(r.headers().contains("keep-alive"));
            assertEquals("yes", r.headers().get("x-kept"));
            assertEquals("hello world", r.content().toString(StandardCharsets.UTF_8));
            assertEquals("abc", r.trailingHeaders().get("x-checksum"));
            assertFalse(r.trailingHeaders().contains("cache-control"));
            assertFalse(r.trailingHeaders().contains("set-cookie"));
        } finally {
            r.release();
        }
    }

    @Test
    void interimAnswersStayBetweenGatewayAndUpstream() {
        open(ResponseValidation.OFF);
        give(head(HttpResponseStatus.CONTINUE), LastHttpContent.EMPTY_LAST_CONTENT);
        give(head(HttpResponseStatus.valueOf(103), "link", "</a.css>; rel=preload"), last(""));
        client.flush();
        assertNull(client.readOutbound(), "nothing reached the client");
        assertFalse(listener.started);
        give(head(HttpResponseStatus.NO_CONTENT), LastHttpContent.EMPTY_LAST_CONTENT);
        FullHttpResponse r = only();
        try {
            assertEquals(204, r.status().code());
            assertFalse(r.headers().contains("link"), "the interim answer's fields stay behind");
        } finally {
            r.release();
        }
    }

    @Test
    void switchingProtocolsIs502() {
        open(ResponseValidation.OFF);
        give(head(HttpResponseStatus.SWITCHING_PROTOCOLS, "upgrade", "websocket", "connection", "upgrade"));
        assertEquals("switching_protocols", listener.failed);
        assertEquals("upstream switched protocols", listener.failMessage);
        assertFalse(listener.started);
        assertTrue(responses().isEmpty(), "the call answers, not the relay");
    }

    @Test
    void aTransferCodingOtherThanChunkedIs502() {
        open(ResponseValidation.OFF);
        give(head(HttpResponseStatus.OK, "transfer-encoding", "gzip, chunked"));
        assertEquals("invalid_response", listener.failed);
        assertTrue(listener.failMessage.contains("transfer-encoding"), listener.failMessage);
        assertFalse(listener.started);
    }

    @Test
    void aBodyPartTheDecoderCouldNotFrameCutsTheClientOnceTheHeadIsOut() {
        open(ResponseValidation.OFF);
        give(head(HttpResponseStatus.OK, "content-length", "10"), part("01234"));
        HttpContent broken = part("56789");
        broken.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("bad chunk")));
        give(broken);
        assertEquals("invalid_response", listener.cut);
        assertNull(listener.failed);
        assertNull(listener.endedKeepAlive, "never ended: the connection is not reused");
    }

    // --- checks against the contract ---

    @Test
    void logModePassesTheBytesOnWhileItChecksThem() {
        open(ResponseValidation.LOG);
        give(head(HttpResponseStatus.OK, "content-type", "application/json", "content-length", "8"));
        give(part("{\"id\""));
        assertTrue(client.outboundMessages().isEmpty(), "written, flushed once per upstream read");
        relay.flush();
        assertFalse(client.outboundMessages().isEmpty(), "nothing held back");
        give(last(":1}"));
        FullHttpResponse r = only();
        try {
            assertEquals(200, r.status().code());
            assertEquals("{\"id\":1}", r.content().toString(StandardCharsets.UTF_8), "the upstream's bytes, as sent");
        } finally {
            r.release();
        }
        assertEquals(1, validations("invalid"), "the mismatch is counted");
    }

    @Test
    void enforceModeHoldsTheAnswerAndForwardsItWhenItMatches() {
        open(ResponseValidation.ENFORCE);
        give(head(HttpResponseStatus.OK, "content-type", "application/json", "content-length", "10"));
        give(part("{\"id\""));
        relay.flush();
        client.flush();
        assertNull(client.readOutbound(), "held until checked");
        give(last(":\"1\"}"));
        assertEquals(Boolean.TRUE, listener.endedKeepAlive);
        FullHttpResponse r = only();
        try {
            assertEquals(200, r.status().code());
            assertEquals("{\"id\":\"1\"}", r.content().toString(StandardCharsets.UTF_8));
        } finally {
            r.release();
        }
        assertEquals(1, validations("valid"));
    }

    @Test
    void enforceModeAnswers502WhenTheAnswerDoesNotMatch() {
        open(ResponseValidation.ENFORCE);
        give(head(HttpResponseStatus.OK, "content-type", "application/json", "content-length", "8"));
        give(part("{\"id\""), last(":1}"));
        assertEquals(Boolean.TRUE, listener.endedKeepAlive, "the upstream's answer was whole: its connection is reusable");
        FullHttpResponse r = only();
        try {
            assertEquals(502, r.status().code());
            String body = r.content().toString(StandardCharsets.UTF_8);
            assertTrue(body.contains("BAD_GATEWAY") && body.contains("does not match the contract"), body);
        } finally {
            r.release();
        }
        assertEquals(1, validations("invalid"));
    }

    @Test
    void enforceModeStreamsABodyOverTheLimitUnchecked() {
        open(ResponseValidation.ENFORCE);
        give(head(HttpResponseStatus.OK, "content-type", "application/json"));
        char[] quarter = new char[256 * 1024];
        Arrays.fill(quarter, ' ');
        String spaces = new String(quarter);
        for (int i = 0; i < 5; i++) { // 1.25 MiB: past the 1 MiB a check may hold
            give(part(spaces));
        }
        give(last("{}"));
        FullHttpResponse r = only();
        try {
            assertEquals(200, r.status().code());
            assertEquals(5 * quarter.length + 2, r.content().readableBytes(), "all of it, unchecked");
        } finally {
            r.release();
        }
        assertEquals(1, validations("unchecked"));
        assertEquals(0, validations("invalid"));
    }

    // --- backpressure ---

    @Test
    void aClientThatCannotTakeMoreStopsReadingFromTheUpstreamUntilItDrains() {
        open(ResponseValidation.OFF);
        client.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        give(head(HttpResponseStatus.OK, "content-length", "64"), part("x".repeat(32)));
        assertFalse(client.isWritable());
        assertFalse(upstream.config().isAutoRead(), "the upstream is not read while the client is full");
        client.flush();
        assertTrue(client.isWritable());
        relay.clientWritabilityChanged(true, upstream);
        assertTrue(upstream.config().isAutoRead());
        give(last("y".repeat(32)));
        FullHttpResponse r = only();
        try {
            assertEquals(64, r.content().readableBytes());
        } finally {
            r.release();
        }
    }

    /** The call, as far as the relay sees it; like the call, it lets go of the relay when the response fails. */
    private final class Recorder implements ResponseRelay.Listener {
        boolean started;
        int status;
        Boolean endedKeepAlive;
        String failed;
        String failMessage;
        String cut;
        /** The head as the relay handed it on, rewritten for the client. */
        HttpHeaders head;

        @Override
        public void responseStarted(int status) {
            started = true;
            this.status = status;
        }

        @Override
        public void responseEnded(boolean keepAlive) {
            endedKeepAlive = keepAlive;
        }

        @Override
        public void responseHead(HttpResponse response) {
            head = response.headers().copy();
        }

        @Override
        public void responseFailed(String error, String message) {
            failed = error;
            failMessage = message;
            relay.release();
        }

        @Override
        public void responseCut(String error) {
            cut = error;
            relay.release();
        }
    }
}
