package dev.gateway.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.codec.RequestFraming;
import dev.gateway.core.stage.StageHarness.Answer;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RequestGuard} alone: what must never be forwarded is answered (and, where the framing cannot be
 * trusted, the connection closed); what passes has its target parsed and normalised on the exchange and
 * the headers its {@code Connection} names removed.
 */
@ExtendWith(LeakGuard.class)
class RequestGuardTest {
    private static StageFixture fixture;
    private StageHarness h;

    @BeforeAll
    static void parts() {
        fixture = new StageFixture();
    }

    @AfterAll
    static void closeParts() {
        fixture.close();
    }

    @AfterEach
    void everyBufferReleased() {
        h.close();
    }

    private StageHarness guard() {
        return guard(RequestFraming.decoderConfig(8192, 32768, 16384));
    }

    private StageHarness guard(HttpDecoderConfig decoding) {
        h = new StageHarness(fixture, StageHarness.NOTHING, s -> new RequestGuard(s.exchanges), decoding);
        return h;
    }

    /** A refusal that closes: the answer says so, the connection closes, nothing went on. */
    private void refusedAndClosed(Answer a, int status, String code, String message) {
        assertEquals(status, a.status());
        assertEquals(code, a.code());
        assertEquals(message, a.message());
        assertEquals("application/json", a.headers().get("content-type"));
        assertEquals(h.exchange().requestId(), a.error().get("requestId").asText());
        assertEquals(a.headers().get("x-request-id"), a.error().get("requestId").asText());
        assertTrue(a.closes(), "Connection: close on " + a.headers());
        h.channel.runPendingTasks();
        assertFalse(h.channel.isOpen(), "the connection closes after the answer");
        assertTrue(h.passed.isEmpty(), "nothing goes on: " + h.passed);
        assertNull(h.exchange().target(), "no target is recorded for a refused request");
        assertEquals(List.of(status), h.ended.stream().map(r -> r.status()).toList());
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void aGoodRequestPassesWithItsTargetNormalisedAndItsQueryUntouched() {
        guard().send("GET /v1/trades/./%7Etrd_%61bc/?accountId=%41CC-1&x=%2e%2e HTTP/1.1\r\n"
                + "Host: gw.example:8080\r\n\r\n");
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size(), "the head and its (empty) end: " + h.passed);
        HttpRequest passed = h.passedRequests().get(0);
        assertEquals("/v1/trades/./%7Etrd_%61bc/?accountId=%41CC-1&x=%2e%2e", passed.uri(),
                "the request line is left as sent; the proxy writes the normalised target");
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, h.passed.get(1));
        assertEquals("/v1/trades/~trd_abc/", h.exchange().target().path());
        assertEquals("accountId=%41CC-1&x=%2e%2e", h.exchange().target().query());
        assertNull(h.exchange().target().authority());
        assertEquals(1, h.state.inFlight(), "the exchange waits for its answer");
    }

    @Test
    void anAbsoluteFormTargetKeepsItsAuthorityAndIsReducedToItsPath() {
        guard().send("GET http://api.example:8443/v1/trades?accountId=ACC-00000001 HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertTrue(h.answers().isEmpty());
        assertEquals("/v1/trades", h.exchange().target().path());
        assertEquals("api.example:8443", h.exchange().target().authority());
        assertEquals("accountId=ACC-00000001", h.exchange().target().query());
    }

    @Test
    void aRequestLineOverTheLimitIs414AndCloses() {
        guard(RequestFraming.decoderConfig(64, 32768, 16384))
                .send("GET /v1/trades/" + "a".repeat(100) + " HTTP/1.1\r\nHost: gw\r\n\r\n");
        refusedAndClosed(h.answer(), 414, "URI_TOO_LONG", "request line is too long");
    }

    @Test
    void aHeaderBlockOverTheLimitIs431AndCloses() {
        guard(RequestFraming.decoderConfig(8192, 256, 16384))
                .send("GET /v1/trades HTTP/1.1\r\nHost: gw\r\nX-Big: " + "b".repeat(300) + "\r\n\r\n");
        refusedAndClosed(h.answer(), 431, "HEADERS_TOO_LARGE", "request headers are too large");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /v1/trades HTTP/1.1\r\nHost: gw\r\nX-Spaced : before the colon\r\n\r\n",
        "GET /v1/trades HTTP/1.1\nHost: gw\n\n",
        "POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "GET /v1/trades HTTP/1.1\r\nHost: gw\r\nX-Nul: a\u0000b\r\n\r\n",
    })
    void aHeadTheDecoderCannotReadIs400AndCloses(String raw) {
        guard().send(raw);
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request");
    }

    @Test
    void aTransferCodingOtherThanChunkedIsRefusedAndItsBodyDropped() {
        List<HttpObject> in = guard().send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\n"
                + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertTrue(in.size() >= 2, "the decoder read a body too: " + in);
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request: unsupported transfer-encoding");
    }

    @Test
    void aRepeatedTransferEncodingIsRefusedByTheDecoderAndByTheGuardItself() {
        guard().send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request");
        h.close();

        // The same head as a laxer decoder would hand it on: the guard does not count on the decoder.
        guard();
        HttpRequest twice = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/trades");
        twice.headers().add("host", "gw").add("transfer-encoding", "chunked").add("transfer-encoding", "chunked");
        h.feed(twice, new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII)));
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request: unsupported transfer-encoding");
    }

    @Test
    void transferEncodingInAnHttp10RequestIsRefused() {
        guard();
        HttpRequest old = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.POST, "/v1/trades");
        old.headers().add("host", "gw").add("transfer-encoding", "chunked");
        h.feed(old, new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII)));
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED",
                "malformed request: transfer-encoding in an HTTP/1.0 request");
    }

    @Test
    void anHttp11RequestWithoutHostIsRefused() {
        guard().send("GET /v1/trades HTTP/1.1\r\n\r\n");
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request: missing host header");
    }

    @Test
    void twoHostLinesAreRefused() {
        guard().send("GET /v1/trades HTTP/1.1\r\nHost: gw\r\nHost: evil.example\r\n\r\n");
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request: more than one host header");
    }

    @Test
    void aHostThatIsNoAuthorityIsRefused() {
        guard().send("GET /v1/trades HTTP/1.1\r\nHost: gw/../admin\r\n\r\n");
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request: invalid host header");
    }

    @Test
    void anHttp10RequestMayComeWithoutHost() {
        guard().send("GET /v1/trades HTTP/1.0\r\n\r\n");
        assertTrue(h.answers().isEmpty());
        assertEquals(1, h.passedRequests().size());
        assertEquals("/v1/trades", h.exchange().target().path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.2", "HTTP/0.9", "HTTP/2.0"})
    void aVersionOtherThan10Or11IsRefused(String version) {
        guard().send("GET /v1/trades " + version + "\r\nHost: gw\r\n\r\n");
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request: unsupported http version");
    }

    @ParameterizedTest
    @ValueSource(strings = {"something", "100-continue, something", "101-continue"})
    void anExpectationOtherThan100ContinueIsRefused(String expect) {
        guard().send("GET /v1/trades HTTP/1.1\r\nHost: gw\r\nExpect: " + expect + "\r\n\r\n");
        // RFC 9110 §10.1.1 allows 417; the gateway answers with the contract's 400 and closes.
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "unsupported expectation");
    }

    @Test
    void expect100ContinueInAnyCasePasses() {
        guard().send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n");
        assertTrue(h.answers().isEmpty(), "the guard never answers 100 itself");
        assertEquals(1, h.passedRequests().size());
        assertTrue(h.exchange().awaitingContinue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/../admin", "/v1/trades/%2e%2e/%2E%2E/admin", "/v1/trades/.%2e/x"})
    void aPathThatClimbsIsRefusedButTheConnectionStays(String path) {
        guard().send("GET " + path + " HTTP/1.1\r\nHost: gw\r\n\r\n");
        Answer a = h.answer();
        assertEquals(400, a.status());
        assertEquals("VALIDATION_FAILED", a.code());
        assertEquals("path not allowed: dot-dot segment in path", a.message());
        assertFalse(a.closes(), "the framing was sound: the connection is kept");
        assertTrue(h.channel.isOpen());
        assertTrue(h.passed.isEmpty());
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void anEncodedSlashAndUserinfoAreRefused() {
        guard().send("GET /v1/trades%2Ftrd_x HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertEquals("path not allowed: encoded slash in path segment", h.answer().message());
        h.send("GET http://user@api.example/v1/trades HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertEquals("path not allowed: userinfo in request target", h.answer().message());
        assertTrue(h.passed.isEmpty());
    }

    @Test
    void connectionOptionsAreStrippedButNeverHostFramingOrWhatTheGatewaySets() {
        guard().send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nX-Request-Id: desk-1\r\n"
                + "Connection: keep-alive, X-Foo, host, content-length\r\n"
                + "Connection: x-request-id, traceparent, x-auth-subject\r\n"
                + "X-Foo: a\r\nX-Foo: b\r\nX-Keep: c\r\n"
                + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
                + "X-Auth-Subject: forged\r\n\r\n{}");
        assertTrue(h.answers().isEmpty());
        HttpHeaders headers = h.passedRequests().get(0).headers();
        assertFalse(headers.contains("x-foo"), "both lines of a named header go");
        assertEquals("gw", headers.get("host"));
        assertEquals("2", headers.get("content-length"));
        assertEquals("desk-1", headers.get("x-request-id"));
        assertTrue(headers.contains("traceparent"));
        assertEquals("forged", headers.get("x-auth-subject"), "x-auth-* is the proxy's to remove, not the client's");
        assertEquals("c", headers.get("x-keep"));
        assertEquals(List.of("keep-alive, X-Foo, host, content-length", "x-request-id, traceparent, x-auth-subject"),
                headers.getAll("connection"), "Connection itself stays for the lifecycle and the proxy");
        assertEquals(2, h.passed.size(), "the head and the body, as they came");
        assertEquals("{}", ((LastHttpContent) h.passed.get(1)).content().toString(StandardCharsets.UTF_8));
    }

    @Test
    void aConnectionHeaderNamingMoreThan32OptionsIsRefused() {
        String options = IntStream.range(0, 33).mapToObj(i -> "x-o" + i).collect(Collectors.joining(", "));
        guard().send("GET /v1/trades HTTP/1.1\r\nHost: gw\r\nConnection: " + options + "\r\n\r\n");
        refusedAndClosed(h.answer(), 400, "VALIDATION_FAILED", "malformed request: too many connection options");
    }

    @Test
    void thirtyTwoOptionsAreStillHonoured() {
        String options = IntStream.range(0, 32).mapToObj(i -> "x-o" + i).collect(Collectors.joining(","));
        guard().send("GET /v1/trades HTTP/1.1\r\nHost: gw\r\nConnection: " + options + "\r\nX-O31: gone\r\n\r\n");
        assertTrue(h.answers().isEmpty());
        assertFalse(h.passedRequests().get(0).headers().contains("x-o31"));
    }

    @Test
    void keepAliveIsKeptAfterAnEarlyRefusalOfAPathAndTheNextRequestIsGuardedToo() {
        guard().send("GET /v1/../x HTTP/1.1\r\nHost: gw\r\n\r\nGET /v1/trades HTTP/1.1\r\nHost: gw\r\n\r\n");
        Answer a = h.answer();
        assertEquals(400, a.status());
        assertEquals(1, h.passedRequests().size(), "the second request went on");
        assertEquals("/v1/trades", h.exchange().target().path());
        assertEquals(1, h.ended.size());
    }
}
