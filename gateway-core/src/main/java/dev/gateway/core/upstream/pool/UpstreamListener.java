package dev.gateway.core.upstream.pool;

import io.netty.handler.codec.http.HttpObject;

/** Whoever holds a leased upstream connection: it receives everything that connection reads. */
public interface UpstreamListener {
    /** A decoded response object; the listener owns it and must release it. */
    void onUpstreamMessage(HttpObject msg);

    void onUpstreamReadComplete();

    void onUpstreamWritabilityChanged(boolean writable);

    /** The connection closed or failed while leased. */
    void onUpstreamClosed();
}
