package dev.gateway.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Random;

/** JSON in and out for the demo services, and ids in the contract's formats. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final char[] ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final Random RANDOM = new SecureRandom();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** @return the parsed body, or {@code null} when it is not JSON */
    static JsonNode parse(ByteBuf body) {
        if (body == null || !body.isReadable()) {
            return null;
        }
        try {
            return MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate()));
        } catch (IOException e) {
            return null;
        }
    }

    static void send(ChannelHandlerContext ctx, HttpResponseStatus status, JsonNode json, String location) {
        send(ctx, status, json, location, false);
    }

    /** @param close answer with {@code Connection: close} and close once it is written */
    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, JsonNode json, String location,
            boolean close) {
        ByteBuf out = ctx.alloc().buffer(512);
        try {
            MAPPER.writeValue((OutputStream) new ByteBufOutputStream(out), json);
        } catch (IOException e) {
            out.release();
            throw new IllegalStateException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, out);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, out.readableBytes());
        if (location != null) {
            r.headers().set(HttpHeaderNames.LOCATION, location);
        }
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(r, ctx.voidPromise());
        }
    }

    static void error(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
        send(ctx, status, errorBody(code, message), null, false);
    }

    /**
     * The same, then the connection closes: after a request the decoder could not read, nothing more on
     * the connection can be framed, and a later request on it would be read as garbage.
     */
    static void errorAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
        send(ctx, status, errorBody(code, message), null, true);
    }

    private static ObjectNode errorBody(String code, String message) {
        ObjectNode body = object();
        body.putObject("error").put("code", code).put("message", message).put("requestId", "demo-" + newId(""));
        return body;
    }

    /** {@code prefix} plus 20 characters of {@code [0-9a-z]}, as the contract's ids. */
    static String newId(String prefix) {
        char[] out = new char[20];
        for (int i = 0; i < out.length; i++) {
            out[i] = ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)];
        }
        return prefix + new String(out);
    }

    static String now() {
        return Instant.now().toString();
    }
}
