package dev.gateway.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.core.contract.JsonBodies;
import dev.gateway.core.route.RoutedOperation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One upstream JSON response on its way to being checked against the contract's schema for its
 * status. In {@code log} mode it collects retained views of the buffers that go on to the client (no
 * copy, no delay); in {@code enforce} mode the proxy holds the response and this owns the buffers.
 * Bodies over {@link #MAX_BYTES} are not checked: they pass, and are counted as such.
 */
final class ResponseCheck {
    static final long MAX_BYTES = 1 << 20;
    private static final Logger LOG = LogManager.getLogger(ResponseCheck.class);

    private final RoutedOperation op;
    private final int status;
    private CompositeByteBuf body;
    private long bytes;

    private ResponseCheck(RoutedOperation op, int status, ByteBufAllocator alloc) {
        this.op = op;
        this.status = status;
        this.body = alloc.compositeBuffer(Integer.MAX_VALUE);
    }

    /** @return a check for this response, or {@code null} when nothing is to be checked */
    static ResponseCheck start(RoutedOperation op, HttpResponse response, ByteBufAllocator alloc) {
        if (op.responses() == null || !op.responses().covers(response.status().code())) {
            return null;
        }
        String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            op.metrics().responseUnchecked();
            return null;
        }
        return new ResponseCheck(op, response.status().code(), alloc);
    }

    /**
     * Adds a part of the body, taking ownership of {@code part}.
     *
     * @return false when the body went over the limit: the check is abandoned and what it held is
     *     handed back by {@link #takeBody()}
     */
    boolean add(ByteBuf part) {
        bytes += part.readableBytes();
        body.addComponent(true, part);
        if (bytes > MAX_BYTES) {
            op.metrics().responseUnchecked();
            return false;
        }
        return true;
    }

    /** The body collected so far, for the caller to send on or release; the check holds nothing after. */
    CompositeByteBuf takeBody() {
        CompositeByteBuf b = body;
        body = null;
        return b;
    }

    /** Parses and checks the body (which stays here); logs and counts a mismatch, never the body itself. */
    List<ErrorDetail> verify() {
        List<ErrorDetail> violations;
        try {
            JsonNode tree = JsonBodies.parse(body);
            violations = op.responses().check(status, tree);
        } catch (JsonBodies.MalformedJsonException e) {
            violations = List.of(new ErrorDetail("body", e.getMessage()));
        }
        String id = op.operation().id();
        op.metrics().responseChecked(violations.isEmpty());
        if (!violations.isEmpty()) {
            LOG.warn("upstream response of {} ({}) does not match the contract: {}", id, status, violations);
        }
        return violations;
    }

    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
