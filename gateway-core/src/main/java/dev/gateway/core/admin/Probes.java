package dev.gateway.core.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.gateway.core.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;

/** The answers of {@code /healthz} and {@code /readyz}, on the public and the admin listener alike. */
public final class Probes {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final List<Upstream> upstreams;
    private final BooleanSupplier held;

    /** @param held true while the gateway says it is not ready whatever its upstreams (draining, warming up) */
    public Probes(List<Upstream> upstreams, BooleanSupplier held) {
        this.upstreams = List.copyOf(upstreams);
        this.held = held;
    }

    /** 200 while the process runs. */
    public FullHttpResponse health(ByteBufAllocator alloc) {
        return json(HttpResponseStatus.OK, alloc.buffer(HEALTHY.length).writeBytes(HEALTHY));
    }

    /** What {@code /readyz} would answer now: ready (200) or not. */
    public boolean ready() {
        return ready(states());
    }

    /**
     * 200 when every upstream has an endpoint that passes its checks with its breaker not open; 503
     * otherwise, while the warm-up runs, and from the moment shutdown begins. Each upstream is {@code up}, {@code down} (no
     * endpoint passes its checks) or {@code open} (every breaker open).
     */
    public FullHttpResponse readiness(ByteBufAllocator alloc) {
        Upstream.State[] states = states(); // read once: the status and the body agree
        boolean ready = ready(states);
        ByteBuf body = alloc.buffer(96);
        try (JsonGenerator g = JSON.createGenerator((OutputStream) new ByteBufOutputStream(body))) {
            g.writeStartObject();
            g.writeStringField("status", ready ? "ready" : "not_ready");
            g.writeObjectFieldStart("upstreams");
            for (int i = 0; i < states.length; i++) {
                g.writeStringField(upstreams.get(i).name(), states[i].label());
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            body.release();
            throw new UncheckedIOException(e);
        }
        return json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
    }

    private Upstream.State[] states() {
        Upstream.State[] states = new Upstream.State[upstreams.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = upstreams.get(i).state();
        }
        return states;
    }

    private boolean ready(Upstream.State[] states) {
        if (held.getAsBoolean()) {
            return false;
        }
        for (Upstream.State s : states) {
            if (s != Upstream.State.UP) {
                return false;
            }
        }
        return true;
    }

    static FullHttpResponse json(HttpResponseStatus status, ByteBuf body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }
}
