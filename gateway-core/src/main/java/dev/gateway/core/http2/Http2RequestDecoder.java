package dev.gateway.core.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;

/**
 * Turns one HTTP/2 stream's request frames into the messages the HTTP/1.1 decoder makes, so every stage
 * after it sees one shape: an {@link io.netty.handler.codec.http.HttpRequest} head, then
 * {@link io.netty.handler.codec.http.HttpContent}s, the last a {@link LastHttpContent}.
 *
 * <p>The head is built here field by field rather than by Netty's generic conversion, so that nothing of
 * it is made up: {@code :authority} becomes {@code Host}, split {@code cookie} fields are joined (RFC 9113
 * §8.2.3), {@code :scheme} is dropped (the gateway states the scheme itself), and a body without
 * {@code content-length} is marked chunked, which is how the gateway then frames it upstream. A head that
 * does not end its stream is passed on only with the first DATA frame (or the stream's end, with no body),
 * unless it expects {@code 100-continue}: until a body shows, the request takes no upstream connection.
 *
 * <p>A malformed request (RFC 9113 §8.1.1) is answered with RST_STREAM PROTOCOL_ERROR and never reaches
 * the stages: a field value with NUL, CR or LF or with white space at either end (§8.2.1), a missing
 * {@code :method} or {@code :path}, a {@code :path} that is no origin-form target, a {@code host} that
 * names another authority than {@code :authority} (§8.3.1), a second header block that does not end the
 * stream. Names were checked by the frame decoder (lower case, tokens, no connection-specific field).
 * Request trailers are dropped, as on HTTP/1.1.
 */
public final class Http2RequestDecoder extends ChannelInboundHandlerAdapter {
    private static final AsciiString COOKIE = HttpHeaderNames.COOKIE;

    private boolean headReceived;
    private boolean refused;
    /** A head whose stream is still open with nothing after it yet. */
    private HttpRequest held;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof Http2HeadersFrame) {
            Http2HeadersFrame frame = (Http2HeadersFrame) msg;
            if (!headReceived) {
                head(ctx, frame);
            } else if (frame.isEndStream()) {
                release(ctx, false);
                ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT); // trailers: not forwarded
            } else {
                refuse(ctx);
            }
        } else if (msg instanceof Http2DataFrame) {
            Http2DataFrame frame = (Http2DataFrame) msg;
            release(ctx, frame.content().isReadable() || !frame.isEndStream());
            ctx.fireChannelRead(frame.isEndStream() ? new DefaultLastHttpContent(frame.content())
                    : new DefaultHttpContent(frame.content()));
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Passes on a head held until the stream showed whether a body follows (see {@link #head}). */
    private void release(ChannelHandlerContext ctx, boolean body) {
        HttpRequest request = held;
        if (request == null) {
            return;
        }
        held = null;
        if (body && !request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        ctx.fireChannelRead(request);
    }

    private void head(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        headReceived = true;
        Http2Headers fields = frame.headers();
        CharSequence method = fields.method();
        CharSequence path = fields.path();
        CharSequence authority = fields.authority();
        if (method == null || path == null || !originForm(path, method)) {
            refuse(ctx);
            return;
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        StringBuilder cookies = null;
        CharSequence host = null;
        for (Map.Entry<CharSequence, CharSequence> field : fields) {
            CharSequence name = field.getKey();
            CharSequence value = field.getValue();
            if (!acceptableValue(value)) {
                refuse(ctx);
                return;
            }
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue; // the pseudo-header fields are read above (the frame decoder refused unknown ones)
            }
            if (COOKIE.contentEquals(name)) {
                cookies = cookies == null ? new StringBuilder(value) : cookies.append("; ").append(value);
            } else if (HttpHeaderNames.HOST.contentEquals(name)) {
                if (host != null) {
                    refuse(ctx); // two Host fields: which one names the target is anyone's guess
                    return;
                }
                host = value;
            } else {
                headers.add(name, value);
            }
        }
        if (authority != null && host != null && !AsciiString.contentEqualsIgnoreCase(authority, host)) {
            refuse(ctx);
            return;
        }
        CharSequence target = authority != null ? authority : host;
        if (target != null) {
            headers.set(HttpHeaderNames.HOST, target);
        }
        if (cookies != null) {
            headers.set(COOKIE, cookies.toString());
        }
        HttpMethod m;
        try {
            m = HttpMethod.valueOf(method.toString());
        } catch (IllegalArgumentException e) {
            refuse(ctx);
            return;
        }
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, m, path.toString(), headers);
        if (frame.isEndStream()) {
            ctx.fireChannelRead(request);
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (HttpUtil.is100ContinueExpected(request)) {
            held = request;
            release(ctx, true); // the client waits for 100 Continue before its body
        } else {
            // Held until the first DATA frame or the stream's end: a head that leaves its stream open with
            // nothing after it (a GET without END_STREAM, say) then takes no upstream connection.
            held = request;
        }
    }

    /**
     * A {@code :path} the gateway can put on a request line: visible ASCII only (RFC 3986 has nothing else),
     * starting with {@code /}, or {@code *} for {@code OPTIONS} (RFC 9113 §8.3.1).
     */
    private static boolean originForm(CharSequence path, CharSequence method) {
        if (path.length() == 0) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return path.charAt(0) == '/' || (path.length() == 1 && path.charAt(0) == '*'
                && HttpMethod.OPTIONS.asciiName().contentEquals(method));
    }

    /** RFC 9113 §8.2.1: no NUL, CR or LF, and no space or tab at either end. */
    private static boolean acceptableValue(CharSequence value) {
        int n = value.length();
        if (n > 0 && (isBlank(value.charAt(0)) || isBlank(value.charAt(n - 1)))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** Resets the stream; whatever else arrives on it is dropped. */
    private void refuse(ChannelHandlerContext ctx) {
        refused = true;
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
    }
}
