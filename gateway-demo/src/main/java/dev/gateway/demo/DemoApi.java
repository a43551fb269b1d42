package dev.gateway.demo;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

/** One demo service: answers a whole request, or takes over the response itself (streams). */
interface DemoApi {
    /**
     * Whether the request's body should be streamed to {@link #upload} rather than collected.
     */
    default boolean streamsBody(HttpRequest request) {
        return false;
    }

    /** Starts a streamed upload; returns where its chunks go. */
    default BodySink upload(ChannelHandlerContext ctx, HttpRequest request) {
        throw new UnsupportedOperationException();
    }

    /** Answers a request whose body (possibly empty) has been collected; the callee does not own it. */
    void handle(ChannelHandlerContext ctx, HttpRequest request, ByteBuf body);

    /** Receives a streamed body chunk by chunk, then answers. */
    interface BodySink {
        void write(ByteBuf chunk);

        void end(ChannelHandlerContext ctx);

        void abort();
    }
}
