package dev.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HopByHopHeadersTest {

    private static Map<String, List<String>> snapshot(HttpHeaders headers) {
        Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : headers.names()) {
            out.put(name, headers.getAll(name));
        }
        return out;
    }

    @Test
    void removesEveryFixedHopByHopHeaderAndKeepsTheRest() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "keep-alive")
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Connection", "keep-alive")
                .add("Proxy-Authorization", "Basic Zm9vOmJhcg==")
                .add("TE", "trailers")
                .add("Trailer", "X-Checksum")
                .add("Transfer-Encoding", "chunked")
                .add("Upgrade", "websocket")
                .add("X-Custom", "1")
                .add("Content-Type", "application/json")
                .add("Content-Length", "12")
                .add("Authorization", "Bearer t")
                .add("X-Request-Id", "abc");
        HopByHopHeaders.strip(h);
        Map<String, List<String>> expected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        expected.put("X-Custom", List.of("1"));
        expected.put("Content-Type", List.of("application/json"));
        expected.put("Content-Length", List.of("12"));
        expected.put("Authorization", List.of("Bearer t"));
        expected.put("X-Request-Id", List.of("abc"));
        assertEquals(expected, snapshot(h));
    }

    @Test
    void fixedNamesAreMatchedCaseInsensitively() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("CONNECTION", "close")
                .add("keep-alive", "timeout=5")
                .add("PROXY-connection", "x")
                .add("proxy-AUTHORIZATION", "x")
                .add("te", "trailers")
                .add("TRAILER", "x")
                .add("transfer-ENCODING", "chunked")
                .add("upgrade", "h2c")
                .add("x-custom", "kept");
        HopByHopHeaders.strip(h);
        assertEquals(List.of("x-custom"), List.copyOf(h.names()));
        assertEquals("kept", h.get("X-Custom"));
    }

    @Test
    void removesRepeatedFixedHeaders() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Transfer-Encoding", "gzip")
                .add("Transfer-Encoding", "chunked")
                .add("Upgrade", "a")
                .add("Upgrade", "b")
                .add("X-Custom", "1");
        HopByHopHeaders.strip(h);
        assertFalse(h.contains("Transfer-Encoding"));
        assertFalse(h.contains("Upgrade"));
        assertEquals("1", h.get("X-Custom"));
    }

    @Test
    void removesHeadersNamedInConnectionWithCommaListsAndWhitespace() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "X-Foo ,x-bar,\tX-Baz \t , , ,keep-alive,X-Qux")
                .add("X-Qux", "4")
                .add("X-Foo", "1")
                .add("X-Bar", "2")
                .add("x-baz", "3")
                .add("X-Foo-Bar", "kept")
                .add("X-Custom", "kept")
                .add("Content-Type", "text/plain");
        HopByHopHeaders.strip(h);
        Map<String, List<String>> expected = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        expected.put("X-Foo-Bar", List.of("kept"));
        expected.put("X-Custom", List.of("kept"));
        expected.put("Content-Type", List.of("text/plain"));
        assertEquals(expected, snapshot(h));
    }

    @Test
    void removesHeadersNamedInEveryConnectionHeader() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "X-One")
                .add("connection", "x-two, X-Three")
                .add("CONNECTION", "X-FOUR")
                .add("X-One", "1")
                .add("X-Two", "2")
                .add("X-Three", "3")
                .add("x-four", "4")
                .add("X-Five", "5");
        HopByHopHeaders.strip(h);
        assertEquals(List.of("X-Five"), List.copyOf(h.names()));
    }

    @Test
    void connectionNamedHeaderIsRemovedWithAllItsValues() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "X-Multi")
                .add("X-Multi", "a")
                .add("X-Multi", "b")
                .add("X-Other", "c");
        HopByHopHeaders.strip(h);
        assertFalse(h.contains("X-Multi"));
        assertEquals(List.of("c"), h.getAll("X-Other"));
    }

    @Test
    void connectionMayNameOrdinaryEndToEndHeaders() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "Content-Type")
                .add("Content-Type", "application/json")
                .add("Content-Length", "3");
        HopByHopHeaders.strip(h);
        assertFalse(h.contains("Content-Type"));
        assertEquals("3", h.get("Content-Length"));
    }

    @Test
    void leavesHeadersWithoutHopByHopUntouched() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("X-Custom", "a")
                .add("X-Custom", "b")
                .add("Content-Type", "application/json")
                .add("Content-Length", "42")
                .add("Accept", "*/*");
        Map<String, List<String>> before = snapshot(h);
        HopByHopHeaders.strip(h);
        assertEquals(before, snapshot(h));
        assertEquals(List.of("a", "b"), h.getAll("X-Custom"));
        assertTrue(h.contains("Accept"));
    }

    @Test
    void emptyHeadersStayEmpty() {
        HttpHeaders h = new DefaultHttpHeaders();
        HopByHopHeaders.strip(h);
        assertTrue(h.isEmpty());
    }

    @Test
    void connectionCannotWithdrawFramingRoutingOrWhatTheGatewaySets() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "Content-Length, Transfer-Encoding, HOST, x-request-id, X-Forwarded-For")
                .add("Connection", "x-forwarded-proto, X-Forwarded-Host, traceparent, tracestate")
                .add("Connection", "X-Auth-Subject, x-auth-anything, connection, X-Custom")
                .add("Content-Length", "103")
                .add("Host", "h")
                .add("X-Request-Id", "r")
                .add("X-Forwarded-For", "1.2.3.4")
                .add("X-Forwarded-Proto", "http")
                .add("X-Forwarded-Host", "h")
                .add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .add("tracestate", "a=b")
                .add("X-Auth-Subject", "root")
                .add("X-Auth-Anything", "x")
                .add("X-Custom", "gone");
        HopByHopHeaders.stripNominated(h);
        assertFalse(h.contains("X-Custom"));
        for (String kept : List.of("Content-Length", "Host", "X-Request-Id", "X-Forwarded-For", "X-Forwarded-Proto",
                "X-Forwarded-Host", "traceparent", "tracestate", "X-Auth-Subject", "X-Auth-Anything",
                "Connection")) {
            assertTrue(h.contains(kept), kept);
        }
        HopByHopHeaders.strip(h);
        assertFalse(h.contains("Connection"));
        assertEquals("103", h.get("Content-Length"));
    }

    @Test
    void trailersLoseHopByHopAndFieldsThatMustComeBeforeTheContent() {
        HttpHeaders t = new DefaultHttpHeaders()
                .add("Connection", "X-Secret")
                .add("X-Secret", "1")
                .add("Transfer-Encoding", "chunked")
                .add("Content-Length", "5")
                .add("Content-Type", "text/html")
                .add("Host", "evil")
                .add("Set-Cookie", "a=b")
                .add("X-Request-Id", "forged")
                .add("Keep-Alive", "timeout=1")
                .add("Server-Timing", "db;dur=53")
                .add("X-Checksum", "abc");
        HopByHopHeaders.stripTrailers(t);
        assertEquals(List.of("Server-Timing", "X-Checksum"), List.copyOf(t.names()));
    }

    @Test
    void aConnectionHeaderNamingTooManyOptionsIsReportedAndOnlyTheFirstAreHonoured() {
        List<String> names = new java.util.ArrayList<>();
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i <= HopByHopHeaders.MAX_NOMINATED; i++) {
            names.add("x-" + i);
            h.add("x-" + i, "v");
        }
        h.add("Connection", String.join(", ", names));
        assertFalse(HopByHopHeaders.stripNominated(h));
        assertFalse(h.contains("x-0"));
        assertTrue(h.contains("x-" + HopByHopHeaders.MAX_NOMINATED), "a name over the limit is left alone");

        HttpHeaders enough = new DefaultHttpHeaders()
                .add("Connection", String.join(" ,, ", java.util.Collections.nCopies(HopByHopHeaders.MAX_NOMINATED, "a")));
        assertTrue(HopByHopHeaders.stripNominated(enough), "empty list elements are not options");
        assertTrue(HopByHopHeaders.stripNominated(new DefaultHttpHeaders().add("X-A", "1")));
    }
}
