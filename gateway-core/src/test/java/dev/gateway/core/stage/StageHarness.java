package dev.gateway.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.codec.RequestFraming;
import dev.gateway.core.exchange.ClientProtocol;
import dev.gateway.core.exchange.ConnectionTimeouts;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.ExchangeLifecycle;
import dev.gateway.core.exchange.ExchangeObserver;
import dev.gateway.core.exchange.ExchangeRecord;
import dev.gateway.core.exchange.ServerState;
import dev.gateway.core.observe.Telemetry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One stage alone on an {@link EmbeddedChannel}, in the smallest pipeline it works in:
 * {@code ExchangeLifecycle → given → stage → capture}.
 *
 * <ul>
 *   <li>{@link ExchangeLifecycle} is the real one: stages find their exchange through it, and it is what
 *       stamps, writes and ends their answers.</li>
 *   <li>{@code given} stands for the stages before the one under test: it writes on the exchange what
 *       they would have found (the target, the operation, the caller) through the exchange's own
 *       setters, and remembers the exchange.</li>
 *   <li>{@code capture} stands for the stages after it: it keeps every message and user event that the
 *       stage passed on (released when the harness closes), and can answer as the proxy would.</li>
 * </ul>
 *
 * Requests are written as raw bytes and decoded by Netty's strict request decoder in a channel of its
 * own, so the stage gets exactly the objects a client connection's decoder makes. Each body part is
 * handed in on a buffer of its own, so that "released exactly once" can be checked per part: when the
 * harness closes, every buffer handed in must have a reference count of zero.
 */
final class StageHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** What the stages before the one under test found, written on the exchange. */
    @FunctionalInterface
    interface Given {
        void apply(Exchange ex, HttpRequest request);
    }

    /** A request whose stages before are not needed (the guard itself). */
    static final Given NOTHING = (ex, request) -> { };

    final StageFixture fixture;
    final ServerState state = new ServerState();
    final ExchangeLifecycle exchanges;
    final EmbeddedChannel channel;
    /** What the stage passed on, in order. */
    final List<Object> passed = new ArrayList<>();
    /** User events the stage fired. */
    final List<Object> events = new ArrayList<>();
    /** Records of the exchanges that ended, in order. */
    final List<ExchangeRecord> ended = new ArrayList<>();
    private final EmbeddedChannel decoder;
    private final List<ReferenceCounted> handedIn = new ArrayList<>();
    private Exchange exchange;
    private ChannelHandlerContext capture;

    StageHarness(StageFixture fixture, Given given, Function<StageHarness, ChannelHandler> stage) {
        this(fixture, given, stage, RequestFraming.decoderConfig(8192, 32768, 16384));
    }

    StageHarness(StageFixture fixture, Given given, Function<StageHarness, ChannelHandler> stage,
            HttpDecoderConfig decoding) {
        this.fixture = fixture;
        Telemetry telemetry = new Telemetry(fixture.metrics, false, 1, "stage-test", null);
        ExchangeObserver observer = new ExchangeObserver() {
            @Override
            public Span started(String requestId, HttpRequest request, ClientProtocol protocol, String clientAddress,
                    int clientPort) {
                return telemetry.started(requestId, request, protocol, clientAddress, clientPort);
            }

            @Override
            public void ended(ExchangeRecord record) {
                ended.add(record);
                telemetry.ended(record);
            }
        };
        ConnectionTimeouts timeouts = new ConnectionTimeouts(TimeUnit.SECONDS.toNanos(65),
                TimeUnit.SECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(30));
        exchanges = new ExchangeLifecycle(state, timeouts, observer);
        decoder = new EmbeddedChannel(new HttpRequestDecoder(decoding));
        ChannelHandler stageHandler = stage.apply(this);
        channel = new EmbeddedChannel(exchanges, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    exchange = exchanges.current();
                    given.apply(exchange, (HttpRequest) msg);
                }
                ctx.fireChannelRead(msg);
            }
        }, stageHandler, new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                capture = ctx;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passed.add(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
    }

    /** Decodes raw request bytes as a client connection would, and hands what comes out to the pipeline. */
    List<HttpObject> send(String raw) {
        decoder.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        List<HttpObject> in = new ArrayList<>();
        for (Object o; (o = decoder.readInbound()) != null; ) {
            in.add(ownBuffer((HttpObject) o));
        }
        // As the decoder fires them: all of one read, even after an answer has closed the connection.
        for (HttpObject o : in) {
            channel.pipeline().fireChannelRead(o);
        }
        channel.pipeline().fireChannelReadComplete();
        channel.runPendingTasks();
        channel.checkException();
        return in;
    }

    /**
     * Hands request objects made by the test itself to the pipeline, as a decoder would (for heads the
     * strict decoder refuses before the stage could see them). Their buffers are checked as the decoded ones.
     */
    void feed(HttpObject... objects) {
        for (HttpObject o : objects) {
            if (o instanceof ReferenceCounted && o != LastHttpContent.EMPTY_LAST_CONTENT) {
                handedIn.add((ReferenceCounted) o);
            }
            channel.pipeline().fireChannelRead(o);
        }
        channel.pipeline().fireChannelReadComplete();
        channel.runPendingTasks();
        channel.checkException();
    }

    /** A body part from the decoder moved to a buffer of its own, so its release is checked alone. */
    private HttpObject ownBuffer(HttpObject o) {
        if (o instanceof HttpRequest || !(o instanceof HttpContent) || o == LastHttpContent.EMPTY_LAST_CONTENT) {
            if (o instanceof ReferenceCounted && o != LastHttpContent.EMPTY_LAST_CONTENT) {
                handedIn.add((ReferenceCounted) o); // a head the decoder failed on is a FullHttpRequest
            }
            return o;
        }
        HttpContent decoded = (HttpContent) o;
        ByteBuf own = Unpooled.copiedBuffer(decoded.content());
        HttpContent copy;
        if (decoded instanceof LastHttpContent) {
            DefaultLastHttpContent last = new DefaultLastHttpContent(own);
            last.trailingHeaders().set(((LastHttpContent) decoded).trailingHeaders());
            copy = last;
        } else {
            copy = new DefaultHttpContent(own);
        }
        copy.setDecoderResult(decoded.decoderResult());
        decoded.release();
        handedIn.add(copy);
        return copy;
    }

    /** The exchange of the latest request, as the stage found it. */
    Exchange exchange() {
        return exchange;
    }

    /** What the stage passed on that is an {@link HttpRequest}. */
    List<HttpRequest> passedRequests() {
        return passed.stream().filter(HttpRequest.class::isInstance).map(HttpRequest.class::cast).toList();
    }

    /** Answers the exchange in flight as a later stage would (the proxy relaying an upstream's 200). */
    void answerAsUpstream(HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.buffer(0));
        r.headers().setInt("content-length", 0);
        capture.writeAndFlush(r);
    }

    /** Every response written to the client since the last call, each read and then released. */
    List<Answer> answers() {
        List<Answer> out = new ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            FullHttpResponse r = (FullHttpResponse) o;
            out.add(new Answer(r.status().code(), r.headers().copy(), r.content().toString(StandardCharsets.UTF_8)));
            assertTrue(r.release(), "a written response is the client's last reference");
        }
        return out;
    }

    /** The one response written since the last look. */
    Answer answer() {
        List<Answer> all = answers();
        assertEquals(1, all.size(), "responses written: " + all);
        return all.get(0);
    }

    @Override
    public void close() {
        passed.forEach(ReferenceCountUtil::release);
        passed.clear();
        channel.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        for (ReferenceCounted r : handedIn) {
            assertEquals(0, r.refCnt(), "a buffer handed to the stage was not released: " + r);
        }
    }

    /** A response as the client reads it. */
    record Answer(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(body, e);
            }
        }

        /** The {@code ErrorBody}'s {@code error} object. */
        JsonNode error() {
            JsonNode e = json().get("error");
            assertTrue(e != null && e.isObject(), "not an ErrorBody: " + body);
            return e;
        }

        String code() {
            return error().get("code").asText();
        }

        String message() {
            return error().get("message").asText();
        }

        /** The {@code location} of every detail, in order. */
        List<String> locations() {
            List<String> out = new ArrayList<>();
            error().path("details").forEach(d -> out.add(d.get("location").asText()));
            return out;
        }

        boolean closes() {
            return "close".equalsIgnoreCase(headers.get("connection"));
        }
    }
}
