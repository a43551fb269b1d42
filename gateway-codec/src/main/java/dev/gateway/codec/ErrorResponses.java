package dev.gateway.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes the gateway's own error responses in the contract's {@code ErrorBody} shape:
 * {@code {"error":{"code":…,"message":…,"requestId":…,"details":[…]}}}.
 */
public final class ErrorResponses {
    /** The contract caps the violations listed in one body. */
    public static final int MAX_DETAILS = 20;

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private ErrorResponses() {
    }

    public static FullHttpResponse create(ByteBufAllocator alloc, ErrorCode code, String requestId) {
        return create(alloc, code, code.defaultMessage(), requestId, List.of());
    }

    public static FullHttpResponse create(ByteBufAllocator alloc, ErrorCode code, String message, String requestId) {
        return create(alloc, code, message, requestId, List.of());
    }

    public static FullHttpResponse create(
            ByteBufAllocator alloc, ErrorCode code, String message, String requestId, List<ErrorDetail> details) {
        ByteBuf body = alloc.buffer(128 + 64 * Math.min(details.size(), MAX_DETAILS));
        try {
            writeBody(body, code, message, requestId, details);
        } catch (RuntimeException e) {
            body.release();
            throw e;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, code.status(), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    private static void writeBody(
            ByteBuf out, ErrorCode code, String message, String requestId, List<ErrorDetail> details) {
        try (JsonGenerator json = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(out))) {
            json.writeStartObject();
            json.writeObjectFieldStart("error");
            json.writeStringField("code", code.name());
            json.writeStringField("message", message);
            json.writeStringField("requestId", requestId);
            if (!details.isEmpty()) {
                json.writeArrayFieldStart("details");
                int n = Math.min(details.size(), MAX_DETAILS);
                for (int i = 0; i < n; i++) {
                    ErrorDetail d = details.get(i);
                    json.writeStartObject();
                    json.writeStringField("location", d.location());
                    json.writeStringField("message", d.message());
                    json.writeEndObject();
                }
                json.writeEndArray();
            }
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteBuf never throws I/O errors
        }
    }
}
