package dev.gateway.core.exchange;

import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.trace.Span;

/**
 * What {@link ExchangeLifecycle} tells the outside about exchanges: one call when a request's head
 * arrives, one when the exchange ends. Called on the connection's event loop; must not block.
 */
public interface ExchangeObserver {
    /**
     * A request head arrived and its exchange opened.
     *
     * @param requestId the exchange's request id (the client's, or a new one)
     * @param request the request head as the client sent it
     * @param protocol how it came: the scheme, HTTP/1.x or HTTP/2
     * @param clientAddress the client's IP address
     * @param clientPort the client's port
     * @return the exchange's server span, or {@code null} when tracing is off
     */
    Span started(String requestId, HttpRequest request, ClientProtocol protocol, String clientAddress,
            int clientPort);

    /** The exchange is over, answered or not; its record is final. */
    void ended(ExchangeRecord record);
}
