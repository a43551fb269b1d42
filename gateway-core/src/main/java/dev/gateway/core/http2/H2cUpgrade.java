package dev.gateway.core.http2;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * HTTP/2 by upgrade from HTTP/1.1 on a cleartext connection (RFC 7540 §3.2; RFC 9113 deprecates it, but
 * clients such as the JDK's HttpClient still ask this way): the connection's first request, when it has no
 * body and asks for {@code h2c} properly ({@code Upgrade: h2c}, {@code Connection: Upgrade, HTTP2-Settings}
 * and one well-formed {@code HTTP2-Settings}), is answered {@code 101 Switching Protocols}; the connection
 * then speaks HTTP/2 and the request becomes its stream 1, where it goes through the stages as any other.
 * Any other first request is passed on unchanged and served over HTTP/1.1 (RFC 9110 §7.8 lets a server
 * ignore {@code Upgrade}). Either way this handler then leaves, so later requests cost nothing here.
 * Sits right after the {@link HttpServerCodec}. Event-loop only.
 */
public final class H2cUpgrade extends ChannelInboundHandlerAdapter {
    private static final AsciiString H2C = AsciiString.cached("h2c");
    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

    private final Function<ChannelHandlerContext, Http2FrameCodec> switchToHttp2;
    private HttpRequest upgrading;
    private Http2Settings settings;

    /**
     * @param switchToHttp2 after the 101 is written: removes the HTTP/1.1 handlers after this one, adds the
     *     HTTP/2 ones at the end, and returns their frame codec (this handler removes the HTTP/1.1 codec
     *     before it last, once stream 1 is open, so what the client sent after the request goes to HTTP/2)
     */
    public H2cUpgrade(Function<ChannelHandlerContext, Http2FrameCodec> switchToHttp2) {
        this.switchToHttp2 = switchToHttp2;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upgrading == null && msg instanceof HttpRequest) {
            HttpRequest request = (HttpRequest) msg;
            settings = request instanceof LastHttpContent ? null : askedFor(request);
            if (settings == null) {
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(msg);
                return;
            }
            upgrading = request; // the decoder's end of it (no body) comes next
            return;
        }
        if (upgrading != null && msg instanceof LastHttpContent) {
            ReferenceCountUtil.release(msg);
            try {
                upgrade(ctx);
            } catch (Http2Exception | RuntimeException e) {
                ctx.channel().close(); // past the 101 there is no HTTP/1.1 answer left to give
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** The client's settings when {@code request} asks for h2c as RFC 7540 §3.2 says, else {@code null}. */
    private static Http2Settings askedFor(HttpRequest request) {
        HttpHeaders h = request.headers();
        // (An HTTP/1.0 request's Upgrade is ignored: RFC 9110 §7.8.)
        if (!request.decoderResult().isSuccess() || !HttpVersion.HTTP_1_1.equals(request.protocolVersion())
                || !h.containsValue(HttpHeaderNames.UPGRADE, H2C, true)
                || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                || !h.containsValue(HttpHeaderNames.CONNECTION, HTTP2_SETTINGS, true)
                || HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) != 0) {
            return null;
        }
        List<String> values = h.getAll(HTTP2_SETTINGS);
        return values.size() == 1 ? settings(values.get(0)) : null;
    }

    /** RFC 7540 §3.2.1: a SETTINGS payload in base64url; {@code null} when it is not one. */
    private static Http2Settings settings(String value) {
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(value.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (payload.length % 6 != 0) {
            return null;
        }
        Http2Settings s = new Http2Settings();
        ByteBuffer b = ByteBuffer.wrap(payload);
        try {
            while (b.hasRemaining()) {
                char id = (char) b.getShort();
                long v = b.getInt() & 0xFFFFFFFFL;
                if (id != Http2CodecUtil.SETTINGS_ENABLE_PUSH) { // a server's push is never on
                    s.put(id, Long.valueOf(v));
                }
            }
        } catch (IllegalArgumentException outOfBounds) {
            return null;
        }
        return s;
    }

    private void upgrade(ChannelHandlerContext ctx) throws Http2Exception {
        DefaultFullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER);
        switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .set(HttpHeaderNames.UPGRADE, H2C);
        ctx.writeAndFlush(switching); // through the HTTP/1.1 encoder, still in place
        // The encoder goes now, before the HTTP/2 handlers write their SETTINGS through its place; the
        // decoder last, once stream 1 is open.
        HttpServerCodec http1 = ctx.pipeline().get(HttpServerCodec.class);
        http1.removeOutboundHandler();
        Http2FrameCodec codec = switchToHttp2.apply(ctx);
        codec.onHttpServerUpgrade(settings); // stream 1, half-closed: the request is all in
        HttpRequest request = upgrading;
        HttpHeaders fields = new DefaultHttpHeaders().set(request.headers())
                .set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
        Http2Headers headers = HttpConversionUtil.toHttp2Headers(new DefaultFullHttpRequest(
                request.protocolVersion(), request.method(), request.uri(), Unpooled.EMPTY_BUFFER, fields,
                HttpHeaders.EMPTY_HEADERS), true);
        // As if it had come as stream 1's HEADERS frame (END_STREAM): the streams' pipeline takes it from here.
        codec.decoder().frameListener().onHeadersRead(ctx.pipeline().context(codec), 1, headers, 0, true);
        ctx.pipeline().remove(this);
        ctx.pipeline().remove(http1); // hands what it holds beyond the request (the preface) on
    }
}
