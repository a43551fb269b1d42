package dev.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestFramingTest {

    private static HttpRequest request(HttpVersion version, String... headerPairs) {
        HttpRequest r = new DefaultHttpRequest(version, HttpMethod.POST, "/v1/trades");
        for (int i = 0; i < headerPairs.length; i += 2) {
            r.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        return r;
    }

    @Test
    void normalRequestIsSound() {
        assertNull(RequestFraming.violation(request(HttpVersion.HTTP_1_1,
                "Host", "api.example.com", "Content-Type", "application/json", "Content-Length", "12")));
        assertNull(RequestFraming.violation(request(HttpVersion.HTTP_1_1, "Host", "api.example.com:8080")));
    }

    @Test
    void chunkedRequestIsSound() {
        assertNull(RequestFraming.violation(request(HttpVersion.HTTP_1_1,
                "Host", "h", "Transfer-Encoding", "chunked")));
        assertNull(RequestFraming.violation(request(HttpVersion.HTTP_1_1,
                "Host", "h", "Transfer-Encoding", "Chunked")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "chunked, identity", "chunked,chunked", "chunked, chunked", "gzip",
            "identity", "", "chunked;q=1", "xchunked", "chunkedx", "\"chunked\""})
    void transferEncodingOtherThanExactlyChunkedIsRefused(String te) {
        String v = RequestFraming.violation(request(HttpVersion.HTTP_1_1, "Host", "h", "Transfer-Encoding", te));
        assertEquals("unsupported transfer-encoding", v);
    }

    @Test
    void twoTransferEncodingHeadersAreRefused() {
        assertEquals("unsupported transfer-encoding", RequestFraming.violation(request(HttpVersion.HTTP_1_1,
                "Host", "h", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked")));
        assertEquals("unsupported transfer-encoding", RequestFraming.violation(request(HttpVersion.HTTP_1_1,
                "Host", "h", "Transfer-Encoding", "gzip", "transfer-encoding", "chunked")));
    }

    @Test
    void transferEncodingInHttp10IsRefused() {
        assertEquals("transfer-encoding in an HTTP/1.0 request", RequestFraming.violation(
                request(HttpVersion.HTTP_1_0, "Host", "h", "Transfer-Encoding", "chunked")));
        assertEquals("transfer-encoding in an HTTP/1.0 request", RequestFraming.violation(
                request(HttpVersion.HTTP_1_0, "Transfer-Encoding", "chunked")));
        // refused one way or another whatever the coding
        assertNotNull(RequestFraming.violation(request(HttpVersion.HTTP_1_0, "Transfer-Encoding", "gzip")));
    }

    @Test
    void twoHostHeadersAreRefused() {
        assertEquals("more than one host header", RequestFraming.violation(
                request(HttpVersion.HTTP_1_1, "Host", "a", "Host", "b")));
        assertEquals("more than one host header", RequestFraming.violation(
                request(HttpVersion.HTTP_1_1, "Host", "a", "host", "a")));
        assertEquals("more than one host header", RequestFraming.violation(
                request(HttpVersion.HTTP_1_0, "Host", "a", "HOST", "b")));
    }

    @Test
    void missingHostIsRefusedInHttp11Only() {
        assertEquals("missing host header", RequestFraming.violation(request(HttpVersion.HTTP_1_1)));
        assertEquals("missing host header", RequestFraming.violation(
                request(HttpVersion.HTTP_1_1, "Content-Length", "0", "X-Host", "h")));
        assertNull(RequestFraming.violation(request(HttpVersion.HTTP_1_0)));
        assertNull(RequestFraming.violation(request(HttpVersion.HTTP_1_0, "Content-Length", "3")));
        assertNull(RequestFraming.violation(request(HttpVersion.HTTP_1_0, "Host", "h")));
    }

    @Test
    void transferEncodingIsCheckedBeforeHost() {
        assertEquals("unsupported transfer-encoding", RequestFraming.violation(
                request(HttpVersion.HTTP_1_1, "Transfer-Encoding", "gzip, chunked")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"user:pw@evil.example", "a b", "evil.com/x?", "evil.com:99999", "[::1"})
    void invalidHostIsRefused(String host) {
        assertEquals("invalid host header", RequestFraming.violation(request(HttpVersion.HTTP_1_1, "Host", host)));
        assertEquals("invalid host header", RequestFraming.violation(request(HttpVersion.HTTP_1_0, "Host", host)));
    }

    @Test
    void emptyHostIsRefused() {
        assertEquals("invalid host header", RequestFraming.violation(request(HttpVersion.HTTP_1_1, "Host", "")));
    }

    @Test
    void aValueEndingInWhiteSpaceIsAFoldAndRefused() {
        assertEquals("obs-fold with an empty line", RequestFraming.violation(request(HttpVersion.HTTP_1_1,
                "Host", "h", "X-A", "v ")));
    }

    @Test
    void versionsOtherThanOneZeroAndOneOneAreRefused() {
        assertEquals("unsupported http version", RequestFraming.violation(
                request(HttpVersion.valueOf("HTTP/1.2"), "Host", "h")));
        assertEquals("unsupported http version", RequestFraming.violation(
                request(HttpVersion.valueOf("HTTP/2.0"), "Host", "h")));
    }

    @Test
    void decoderConfigIsStrict() {
        var config = RequestFraming.decoderConfig(100, 200, 300);
        assertEquals(100, config.getMaxInitialLineLength());
        assertEquals(200, config.getMaxHeaderSize());
        assertEquals(300, config.getMaxChunkSize());
        assertEquals(true, config.isStrictLineParsing());
        assertEquals(true, config.isUseRfc9112TransferEncoding());
        assertEquals(false, config.isAllowDuplicateContentLengths());
    }
}
