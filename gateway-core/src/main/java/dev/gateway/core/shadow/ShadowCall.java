package dev.gateway.core.shadow;

import dev.gateway.core.upstream.PooledEndpoint;
import dev.gateway.core.upstream.pool.AcquireCallback;
import dev.gateway.core.upstream.pool.UpstreamConnection;
import dev.gateway.core.upstream.pool.UpstreamListener;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One copy of a request to one target over a shadow pool: the rewritten head, then the body parts the
 * primary forwards (retained duplicates of its own buffers, so nothing is copied), and the answer
 * copied off the wire into a {@link ResponseCopy}. It ends once: answered, failed or given up at its
 * timeout, and then lets go of every buffer it holds. Nothing it does waits for or holds back the
 * primary. Event-loop only (the client connection's loop, which is the pool's).
 */
final class ShadowCall implements AcquireCallback, UpstreamListener {
    /** How a copy ended, the {@code outcome} label of {@code gateway_shadow_requests_total}. */
    enum Ending {
        ANSWERED("answered"), FAILED("failed"), TIMEOUT("timeout"), ABANDONED("abandoned");

        final String label;

        Ending(String label) {
            this.label = label;
        }
    }

    /** Told once, on the loop, how the copy ended. */
    interface Done {
        void ended(ShadowCall call, Ending ending, ResponseCopy response);
    }

    private final PooledEndpoint pool;
    private final Done done;
    private final ResponseCopy response;
    private HttpRequest head;
    private ArrayDeque<HttpObject> pending = new ArrayDeque<>(2);
    private UpstreamConnection connection;
    private ScheduledFuture<?> timeout;
    private boolean requestSent;
    private boolean ended;

    /**
     * @param head the request head as this target gets it (not reference-counted)
     * @param maxResponseBytes response body bytes kept for the comparison
     */
    ShadowCall(PooledEndpoint pool, HttpRequest head, int maxResponseBytes, Done done) {
        this.pool = pool;
        this.head = head;
        this.done = done;
        this.response = new ResponseCopy(maxResponseBytes);
    }

    /** Asks for a connection and arms the timeout. */
    void start(EventLoop loop, long timeoutNanos) {
        timeout = loop.schedule(() -> end(Ending.TIMEOUT), timeoutNanos, TimeUnit.NANOSECONDS);
        pool.acquire(this, false);
    }

    /** A part of the request body (a retained duplicate: ownership passes). */
    void body(HttpContent part) {
        if (ended) {
            part.release();
            return;
        }
        if (connection == null) {
            pending.add(part);
            return;
        }
        Channel up = connection.channel();
        if (part instanceof LastHttpContent) {
            requestSent = true;
            up.writeAndFlush(part, up.voidPromise());
        } else {
            up.write(part, up.voidPromise());
        }
    }

    @Override
    public void onAcquired(UpstreamConnection c) {
        if (ended) {
            c.release(true); // ended while it connected: the connection itself is fine
            return;
        }
        connection = c;
        c.lease(this);
        Channel up = c.channel();
        up.write(head, up.voidPromise());
        head = null;
        for (HttpObject part; (part = pending.poll()) != null; ) {
            requestSent |= part instanceof LastHttpContent;
            up.write(part, up.voidPromise());
        }
        pending = null;
        up.flush();
    }

    @Override
    public void onAcquireFailed(Throwable cause) {
        end(Ending.FAILED);
    }

    @Override
    public void onUpstreamMessage(HttpObject msg) {
        try {
            if (!ended) {
                response.take(msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (!ended && response.complete()) {
            end(Ending.ANSWERED);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        // A copy never slows the primary: a target that cannot keep up is given up at the timeout instead.
    }

    @Override
    public void onUpstreamClosed() {
        connection = null;
        end(Ending.FAILED);
    }

    /** The primary's exchange is over without a whole request to copy (the client left, the request was refused). */
    void abandon() {
        end(Ending.ABANDONED);
    }

    private void end(Ending ending) {
        if (ended) {
            return;
        }
        ended = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (head != null) {
            ReferenceCountUtil.release(head);
            head = null;
        }
        if (pending != null) {
            for (HttpObject part; (part = pending.poll()) != null; ) {
                ReferenceCountUtil.release(part);
            }
        }
        UpstreamConnection c = connection;
        connection = null;
        if (c != null) {
            c.release(ending == Ending.ANSWERED && requestSent);
        } else if (ending != Ending.FAILED) {
            pool.cancel(this); // still waiting for a connection
        }
        done.ended(this, ending, ending == Ending.ANSWERED ? response : null);
    }
}
