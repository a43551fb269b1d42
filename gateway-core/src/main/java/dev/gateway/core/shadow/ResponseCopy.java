package dev.gateway.core.shadow;

import dev.gateway.core.diff.ObservedResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A response copied off the wire for comparison, as it streams: its status and headers, and its body up
 * to a cap (the rest is counted, not kept). Copies bytes out of the buffers without taking them: the
 * owner of each message goes on to write or release it. Event-loop only.
 */
final class ResponseCopy {
    private final int maxBodyBytes;
    private int status;
    private List<Map.Entry<String, String>> headers;
    private byte[] body = new byte[256];
    private int length;
    private boolean truncated;
    private boolean complete;

    /** @param maxBodyBytes body bytes kept; more marks the copy truncated */
    ResponseCopy(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Takes what one decoded message holds, head and body (the message stays the caller's). */
    void take(HttpObject msg) {
        if (msg instanceof HttpResponse r) {
            head(r);
        }
        if (msg instanceof HttpContent c) {
            content(c);
        }
    }

    /** Takes a response head: its status and headers, as they are now. */
    void head(HttpResponse r) {
        status = r.status().code();
        headers = new ArrayList<>(r.headers().size() + 1);
        for (Map.Entry<String, String> h : r.headers()) {
            headers.add(Map.entry(h.getKey(), h.getValue()));
        }
    }

    /** Adds a header the head will carry by the time it is written (the exchange's request id). */
    void header(String name, String value) {
        headers.removeIf(h -> h.getKey().equalsIgnoreCase(name));
        headers.add(Map.entry(name, value));
    }

    /** Takes a part of the body, up to the cap. */
    void content(HttpContent c) {
        int n = c.content().readableBytes();
        int room = maxBodyBytes - length;
        if (n > room) {
            truncated = true;
            n = Math.max(0, room);
        }
        if (n > 0) {
            if (length + n > body.length) {
                body = Arrays.copyOf(body, Math.min(maxBodyBytes, Math.max(body.length * 2, length + n)));
            }
            c.content().getBytes(c.content().readerIndex(), body, length, n);
            length += n;
        }
        if (c instanceof LastHttpContent) {
            complete = true;
        }
    }

    /** The whole response went by (its last part). */
    boolean complete() {
        return complete;
    }

    /** What the comparison reads; only once complete. */
    ObservedResponse observed() {
        return ObservedResponse.of(status, headers, Arrays.copyOf(body, length), truncated);
    }
}
