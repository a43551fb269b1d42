package dev.gateway.core.upstream.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Where an upstream's answer ends, and what a connection that carried more than its answers is worth. */
@ExtendWith(LeakGuard.class)
class UpstreamCodecTest {
    private final UpstreamCodec codec = new UpstreamCodec(8192, 16384);
    private final EmbeddedChannel channel = new EmbeddedChannel(codec);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void send(HttpMethod method) {
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/v1/x"));
        for (Object written; (written = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(written);
        }
    }

    /** Feeds the bytes as one read and returns what was decoded, bodies as text. */
    private List<String> receive(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        List<String> out = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            if (msg instanceof HttpResponse) {
                assertFalse(((HttpResponse) msg).decoderResult().isFailure(), msg::toString);
                out.add("head " + ((HttpResponse) msg).status().code());
            }
            if (msg instanceof HttpContent) {
                ByteBuf content = ((HttpContent) msg).content();
                if (content.isReadable()) {
                    out.add("body " + content.toString(StandardCharsets.ISO_8859_1));
                }
                if (msg instanceof LastHttpContent) {
                    out.add("end");
                }
            }
            ReferenceCountUtil.release(msg);
        }
        return out;
    }

    @Test
    void aCleanAnswerLeavesTheConnectionClean() {
        send(HttpMethod.GET);
        assertEquals(List.of("head 200", "body hello", "end"),
                receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
        assertTrue(codec.clean());
        send(HttpMethod.GET);
        assertEquals(List.of("head 200", "body 0123456789", "end"), receive("HTTP/1.1 200 OK\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"));
        assertTrue(codec.clean());
    }

    @Test
    void anAnswerToHeadEndsAtItsHeadersWhateverItsLength() {
        send(HttpMethod.HEAD);
        assertEquals(List.of("head 200", "end"), receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"));
        assertTrue(codec.clean());
        send(HttpMethod.HEAD);
        assertEquals(List.of("head 200", "end"), receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
        assertFalse(codec.clean(), "the body after an answer to HEAD is something nobody asked for");
    }

    @Test
    void noContentAndNotModifiedEndAtTheirHeaders() {
        send(HttpMethod.GET);
        assertEquals(List.of("head 204", "end"), receive("HTTP/1.1 204 No Content\r\nContent-Length: 11\r\n\r\n"
                + "hello world"));
        assertFalse(codec.clean());
    }

    @Test
    void notModifiedWithoutBodyIsClean() {
        send(HttpMethod.GET);
        assertEquals(List.of("head 304", "end"), receive("HTTP/1.1 304 Not Modified\r\nContent-Length: 11\r\n\r\n"));
        assertTrue(codec.clean());
    }

    @Test
    void interimAnswersDoNotEndTheExchange() {
        send(HttpMethod.GET);
        assertEquals(List.of("head 100", "end", "head 103", "end", "head 200", "body ok", "end"),
                receive("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        assertTrue(codec.clean());
    }

    @Test
    void aLengthThatLiesOrASecondAnswerMarksTheConnection() {
        send(HttpMethod.GET);
        assertEquals(List.of("head 200", "body hello", "end"),
                receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world"));
        assertFalse(codec.clean());
    }

    @Test
    void aSecondAnswerInTheSameReadIsDroppedNotDecoded() {
        send(HttpMethod.GET);
        assertEquals(List.of("head 200", "body a", "end"), receive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
                + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"));
        assertFalse(codec.clean());
    }

    @Test
    void bytesWhileNoRequestIsInFlightCloseTheConnection() {
        send(HttpMethod.GET);
        receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertTrue(codec.clean());
        assertEquals(List.of(), receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        assertFalse(codec.clean());
        assertFalse(channel.isOpen());
    }

    @Test
    void aResponseBeforeAnyRequestClosesTheConnection() {
        assertEquals(List.of(), receive("HTTP/1.1 200 OK\r\n"));
        assertFalse(channel.isOpen());
    }

    @Test
    void aBadChunkFailsTheContentNotTheConnectionsNextAnswer() {
        send(HttpMethod.GET);
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                StandardCharsets.ISO_8859_1));
        HttpResponse head = channel.readInbound();
        assertEquals(200, head.status().code());
        Object next = channel.readInbound();
        assertInstanceOf(LastHttpContent.class, next);
        assertTrue(((LastHttpContent) next).decoderResult().isFailure(), "the broken body is reported, not ended");
        ReferenceCountUtil.release(next);
        assertNull(channel.readInbound());
    }
}
