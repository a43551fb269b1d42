package dev.gateway.core.capture;

import io.netty.handler.codec.http.HttpContent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One captured exchange in progress: its request body copied as it is forwarded (up to the cap; the
 * buffers themselves stay the forwarder's), and its line written when it ends. Event-loop only.
 */
public final class CaptureTap {
    private final TrafficCapture capture;
    private final long t;
    private final String caller;
    private final String credential;
    private final String requestId;
    private final String route;
    private final String method;
    private final String target;
    private final List<Map.Entry<String, String>> headers;
    private final int maxBodyBytes;
    private final long startNanos = System.nanoTime();
    private byte[] body = new byte[0];
    private boolean truncated;

    CaptureTap(TrafficCapture capture, long t, String caller, String credential, String requestId, String route,
            String method, String target, List<Map.Entry<String, String>> headers, int maxBodyBytes) {
        this.capture = capture;
        this.t = t;
        this.caller = caller;
        this.credential = credential;
        this.requestId = requestId;
        this.route = route;
        this.method = method;
        this.target = target;
        this.headers = headers;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** A part of the request body on its way upstream (it stays the caller's). */
    public void requestContent(HttpContent part) {
        int n = part.content().readableBytes();
        int room = maxBodyBytes - body.length;
        if (n > room) {
            truncated = true;
            n = room;
        }
        if (n > 0) {
            int at = body.length;
            body = Arrays.copyOf(body, at + n);
            part.content().getBytes(part.content().readerIndex(), body, at, n);
        }
    }

    /**
     * The exchange ended: writes its line.
     *
     * @param status what the caller got ({@code 499}: nothing, it left first)
     * @param durationNanos first byte of the request to the end of the exchange
     */
    public void ended(int status, long durationNanos) {
        capture.write(new CaptureRecord(t, TrafficCapture.wallClock(startNanos), caller, credential, requestId, route,
                method, target, headers, body, truncated, status, durationNanos / 1000));
    }
}
