package dev.gateway.core.upstream.pool;

import dev.gateway.codec.RequestFraming;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * The HTTP/1.1 codec of a pooled upstream connection: Netty's request encoder and response decoder (held
 * to RFC 9112 as the client's is), plus what a connection that is reused needs to know about where each
 * answer ends.
 *
 * <p>One request at a time is in flight (the gateway never pipelines upstream). Its response ends at its
 * headers when it is an answer to {@code HEAD} or a {@code 1xx}, {@code 204} or {@code 304} (RFC 9112
 * §6.3), whatever length it claims. Any byte that comes after the final response's end, or while no
 * request is in flight, is something no request asked for: a body on a response that has none, a length
 * that lies, a second answer. Such bytes are dropped, and the connection is marked {@linkplain #clean()
 * unclean} so that it is closed instead of pooled; read while idle, they close it at once. The next
 * exchange never inherits them.
 */
final class UpstreamCodec extends CombinedChannelDuplexHandler<UpstreamCodec.ResponseDecoder,
        UpstreamCodec.RequestEncoder> {
    /** The request in flight is a {@code HEAD}: its response has no content. */
    private boolean head;
    /** A request went out and its final response has not ended yet. */
    private boolean awaiting;
    /** The response being read is final (not an interim 1xx). */
    private boolean finalResponse;
    private boolean surplus;

    /**
     * @param maxHeaderBytes largest response header block (bytes); a larger one fails to decode
     * @param maxChunkBytes largest body part handed on at once (bytes)
     */
    UpstreamCodec(int maxHeaderBytes, int maxChunkBytes) {
        init(new ResponseDecoder(maxHeaderBytes, maxChunkBytes), new RequestEncoder());
    }

    /** Whether the connection has carried nothing beyond the answers to its requests. */
    boolean clean() {
        return !surplus;
    }

    final class RequestEncoder extends HttpRequestEncoder {
        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest) {
                head = HttpMethod.HEAD.equals(((HttpRequest) msg).method());
                awaiting = true;
                finalResponse = false;
            }
            super.encode(ctx, msg, out);
        }
    }

    final class ResponseDecoder extends HttpResponseDecoder {
        ResponseDecoder(int maxHeaderBytes, int maxChunkBytes) {
            super(RequestFraming.decoderConfig(8192, maxHeaderBytes, maxChunkBytes));
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (!awaiting) {
                if (in.isReadable()) {
                    unsolicited(in);
                    ctx.close(); // read while nothing was asked: whatever it is, no later answer can be trusted
                }
                return;
            }
            int from = out.size();
            super.decode(ctx, in, out);
            for (int i = from; i < out.size(); i++) {
                Object msg = out.get(i);
                if (msg instanceof HttpResponse) {
                    HttpResponse response = (HttpResponse) msg;
                    finalResponse = response.status().codeClass() != HttpStatusClass.INFORMATIONAL
                            || response.status().code() == 101; // 101 ends HTTP on the connection: no more answers
                }
                if (msg instanceof LastHttpContent && finalResponse) {
                    awaiting = false;
                }
            }
            if (!awaiting && in.isReadable()) {
                unsolicited(in); // in the same read as the answer's end: marked, so the answer's taker closes it
            }
        }

        private void unsolicited(ByteBuf in) {
            surplus = true;
            in.skipBytes(in.readableBytes());
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpResponse response = (HttpResponse) msg;
            if (head && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                return true; // RFC 9110 §9.3.2: an answer to HEAD has no content, whatever its headers say
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }
}
