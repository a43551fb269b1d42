package dev.gateway.codec.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gateway.codec.InvalidRequestTargetException;
import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestTarget;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The request framing guard: the bytes a client sends go through the gateway's request decoder (its
 * configuration, its limits), and every request head the decoder reads without failure and
 * {@link RequestFraming#violation} accepts must be framed one way only:
 *
 * <ul>
 *   <li>at most one of {@code Content-Length} and {@code Transfer-Encoding};
 *   <li>{@code Transfer-Encoding}, when present, exactly one value {@code chunked};
 *   <li>{@code Content-Length}, when present, exactly one non-negative decimal;
 *   <li>in HTTP/1.1, exactly one {@code Host};
 *   <li>no header (or trailer) value holds NUL, CR or LF;
 *   <li>the head, encoded again and decoded again, reads the same (method, target, version, headers),
 *       but for the encoder's own spelling of an empty path ({@link #encodedTarget}).
 * </ul>
 *
 * <p>Besides: no exception leaves the decoder or the guard, the same bytes decode the same whether
 * they come in one read or several, and every buffer is released. A seed file is the raw bytes of one
 * or more requests; seeds: {@code RequestFramingFuzzTestInputs/decode/} beside this class.
 */
@ExtendWith(LeakGuard.class)
class RequestFramingFuzzTest {
    /** {@code client.maxRequestLine} and {@code client.maxHeaderBytes} as gateway-defaults.yaml sets them. */
    static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;
    static final int MAX_HEADER_BYTES = 32 * 1024;
    /** ClientChannelInitializer's bound on one body chunk. */
    static final int MAX_CHUNK_BYTES = 16 * 1024;

    /**
     * Words of the protocol, for the fuzzer's mutations. A file, not {@code @DictionaryEntries}: Jazzer
     * writes an entry's CR or LF unescaped, which breaks libFuzzer's one-entry-a-line dictionary.
     */
    @DictionaryFile(resourcePath = "http.dict")
    @FuzzTest(maxDuration = "20s")
    void decode(byte[] input) {
        check(input);
    }

    /** The client decoder's configuration, as ClientChannelInitializer makes it with the default limits. */
    static HttpDecoderConfig decoderConfig() {
        return RequestFraming.decoderConfig(MAX_REQUEST_LINE_BYTES, MAX_HEADER_BYTES, MAX_CHUNK_BYTES);
    }

    /** The invariants, for one input. */
    static void check(byte[] input) {
        TrackingAllocator alloc = new TrackingAllocator();
        List<Object> whole = new ArrayList<>();
        List<Object> split = new ArrayList<>();
        try {
            decode(alloc, input, new int[0], whole);
            decode(alloc, input, cuts(input), split);
            String a = transcript(whole);
            String b = transcript(split);
            if (!a.equals(b)) {
                throw new AssertionError("decoded differently when split at " + Arrays.toString(cuts(input))
                        + ":\n" + a + "\nvs\n" + b);
            }
            checkAccepted(whole, alloc);
        } finally {
            releaseAll(whole);
            releaseAll(split);
        }
        alloc.assertAllReleased();
    }

    /** Where the split decoding cuts the input: a few places that follow from its bytes. */
    static int[] cuts(byte[] input) {
        if (input.length < 2) {
            return new int[0];
        }
        int h = Arrays.hashCode(input);
        if ((h & 7) == 0 && input.length <= 4096) { // now and then: one byte per read
            int[] all = new int[input.length - 1];
            for (int i = 0; i < all.length; i++) {
                all[i] = i + 1;
            }
            return all;
        }
        int[] cuts = new int[1 + ((h >>> 3) & 3)];
        for (int i = 0; i < cuts.length; i++) {
            h = h * 0x9E3779B1 + 0x7F4A7C15;
            cuts[i] = 1 + Math.floorMod(h >>> 7, input.length - 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    /**
     * Feeds {@code input} to a fresh decoder, one read per piece between cuts, closes the connection,
     * and adds everything decoded to {@code out} (which the caller releases).
     */
    static void decode(TrackingAllocator alloc, byte[] input, int[] cuts, List<Object> out) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(decoderConfig()));
        ch.config().setAllocator(alloc);
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : input.length;
                if (to > from) {
                    ch.writeInbound(alloc.buffer(to - from).writeBytes(input, from, to - from));
                    drain(ch, out);
                    from = to;
                }
            }
            ch.finish();
            drain(ch, out);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static void drain(EmbeddedChannel ch, List<Object> out) {
        for (Object m; (m = ch.readInbound()) != null; ) {
            out.add(m);
        }
    }

    private static void releaseAll(List<Object> messages) {
        for (Object m : messages) {
            ReferenceCountUtil.release(m);
        }
        messages.clear();
    }

    /** What was decoded, body parts joined: independent of how the bytes were cut into reads. */
    static String transcript(List<Object> messages) {
        StringBuilder t = new StringBuilder();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Object m : messages) {
            if (m instanceof HttpRequest) {
                HttpRequest r = (HttpRequest) m;
                t.append(r.decoderResult().isSuccess() ? "request " : "failed request ")
                        .append(Printable.of(r.method().name())).append(' ').append(Printable.of(r.uri())).append(' ')
                        .append(Printable.of(r.protocolVersion().text())).append(' ').append(headersOf(r.headers()))
                        .append('\n');
            }
            if (m instanceof HttpContent) {
                ByteBuf c = ((HttpContent) m).content();
                body.writeBytes(ByteBufUtil.getBytes(c, c.readerIndex(), c.readableBytes(), false));
                if (!((HttpContent) m).decoderResult().isSuccess()) {
                    t.append("body so far ").append(Printable.of(body.toByteArray())).append('\n');
                    body.reset();
                    t.append("failed content\n");
                }
            }
            if (m instanceof LastHttpContent) {
                LastHttpContent last = (LastHttpContent) m;
                t.append("body ").append(Printable.of(body.toByteArray())).append(" trailers ")
                        .append(headersOf(last.trailingHeaders())).append('\n');
                body.reset();
            }
        }
        if (body.size() > 0) {
            t.append("unfinished body ").append(Printable.of(body.toByteArray())).append('\n');
        }
        return t.toString();
    }

    /** The guard's other half: the target must parse too (RequestGuard refuses it otherwise). */
    private static boolean targetAccepted(HttpRequest r) {
        try {
            RequestTarget.parse(r.uri());
            return true;
        } catch (InvalidRequestTargetException refused) {
            return false;
        }
    }

    private static String headersOf(HttpHeaders headers) {
        StringBuilder b = new StringBuilder("[");
        for (Iterator<Map.Entry<String, String>> i = headers.iteratorAsString(); i.hasNext(); ) {
            Map.Entry<String, String> e = i.next();
            String v = e.getValue();
            b.append(Printable.of(e.getKey())).append(": ")
                    .append(Printable.of(v));
            if (i.hasNext()) {
                b.append(", ");
            }
        }
        return b.append(']').toString();
    }

    private static void checkAccepted(List<Object> messages, TrackingAllocator alloc) {
        HttpRequest accepted = null; // the request whose body and trailers are being read, if accepted
        for (Object m : messages) {
            if (m instanceof HttpRequest) {
                HttpRequest r = (HttpRequest) m;
                accepted = r.decoderResult().isSuccess() && RequestFraming.violation(r) == null && targetAccepted(r) ? r : null;
                if (accepted != null) {
                    checkHead(r);
                    checkRoundTrip(r, alloc);
                }
            }
            if (m instanceof LastHttpContent && accepted != null) {
                LastHttpContent last = (LastHttpContent) m;
                if (last.decoderResult().isSuccess()) {
                    String bad = badValue(last.trailingHeaders());
                    if (bad != null) {
                        throw new AssertionError("trailer " + bad + " of an accepted request " + describe(accepted));
                    }
                }
                accepted = null;
            }
        }
    }

    static void checkHead(HttpRequest r) {
        HttpHeaders h = r.headers();
        List<String> cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!cl.isEmpty() && !te.isEmpty()) {
            fail("both Content-Length and Transfer-Encoding", r);
        }
        if (!te.isEmpty() && (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked"))) {
            fail("Transfer-Encoding other than one 'chunked'", r);
        }
        if (!cl.isEmpty() && (cl.size() != 1 || !isDecimal(cl.get(0)))) {
            fail("Content-Length other than one decimal", r);
        }
        HttpVersion v = r.protocolVersion();
        if (v.protocolName().equalsIgnoreCase("HTTP") && v.majorVersion() == 1 && v.minorVersion() == 1
                && h.getAll(HttpHeaderNames.HOST).size() != 1) {
            fail("HTTP/1.1 without exactly one Host", r);
        }
        String bad = badValue(h);
        if (bad != null) {
            fail("header " + bad, r);
        }
    }

    /** Encodes the head as the gateway would send it on, decodes that again: it must read the same. */
    static void checkRoundTrip(HttpRequest r, TrackingAllocator alloc) {
        EmbeddedChannel enc = new EmbeddedChannel(new HttpRequestEncoder());
        enc.config().setAllocator(alloc);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try {
            enc.writeOutbound(new DefaultHttpRequest(r.protocolVersion(), r.method(), r.uri(), r.headers().copy()));
            for (Object o; (o = enc.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) o;
                try {
                    wire.writeBytes(ByteBufUtil.getBytes(b));
                } finally {
                    b.release();
                }
            }
        } finally {
            enc.finishAndReleaseAll();
        }
        byte[] bytes = wire.toByteArray();
        List<Object> again = new ArrayList<>();
        try {
            decode(alloc, bytes, new int[0], again);
            HttpRequest second = again.isEmpty() || !(again.get(0) instanceof HttpRequest)
                    ? null : (HttpRequest) again.get(0);
            if (second == null || !second.decoderResult().isSuccess()) {
                fail("re-encoded head " + Printable.of(bytes) + " does not decode", r);
            }
            if (!second.method().equals(r.method())
                    || !second.uri().equals(encodedTarget(r.uri()))
                    || !second.protocolVersion().text().equals(r.protocolVersion().text())
                    || !headersOf(second.headers()).equals(headersOf(r.headers()))) {
                fail("re-encoded head reads differently: " + describe(second), r);
            }
        } finally {
            releaseAll(again);
        }
    }

    /**
     * The target as {@link HttpRequestEncoder} writes it: an empty one as {@code /}, and an absolute-form
     * one with an empty path with a {@code /} for its path ({@code http://h?q} as {@code http://h/?q}).
     * Both mean the same resource (RFC 9112 §3.2.1, §3.2.2), and the gateway forwards the normalised
     * path anyway; every other target must come back as it was.
     */
    static String encodedTarget(String uri) {
        if (uri.isEmpty()) {
            return "/";
        }
        int scheme = uri.indexOf("://");
        if (scheme < 0 || uri.charAt(0) == '/') {
            return uri;
        }
        int authority = scheme + 3;
        int query = uri.indexOf('?', authority);
        if (query < 0) {
            return uri.lastIndexOf('/') < authority ? uri + '/' : uri;
        }
        return uri.lastIndexOf('/', query) < authority ? uri.substring(0, query) + '/' + uri.substring(query) : uri;
    }

    private static boolean isDecimal(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** @return the first name and value holding NUL, CR or LF, or {@code null} */
    private static String badValue(HttpHeaders headers) {
        for (Iterator<Map.Entry<String, String>> i = headers.iteratorAsString(); i.hasNext(); ) {
            Map.Entry<String, String> e = i.next();
            String v = e.getValue();
            if (v.indexOf('\0') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                return Printable.of(e.getKey()) + ": " + Printable.of(v);
            }
        }
        return null;
    }

    private static String describe(HttpRequest r) {
        return Printable.of(r.method().name()) + " " + Printable.of(r.uri()) + " "
                + Printable.of(r.protocolVersion().text()) + " " + headersOf(r.headers());
    }

    private static void fail(String what, HttpRequest r) {
        throw new AssertionError(what + " in an accepted request: " + describe(r));
    }
}
