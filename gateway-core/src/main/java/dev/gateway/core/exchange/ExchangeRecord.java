package dev.gateway.core.exchange;

import dev.gateway.core.auth.Principal;
import dev.gateway.core.route.RoutedOperation;
import dev.gateway.core.split.Side;
import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.trace.Span;

/**
 * What an ended exchange leaves behind, for the access log, the metrics and its trace: written once by
 * {@link ExchangeLifecycle} when the exchange ends (after the last byte of the response was written, or
 * when the connection closed first), and read by {@link ExchangeObserver#ended}.
 *
 * @param requestId the exchange's request id
 * @param request the request head, or {@code null} for a 408 sent before any request came
 * @param rawUri the request target as the client sent it, or {@code null}
 * @param clientAddress the client's IP address
 * @param clientPort the client's port
 * @param operation the operation it was routed to, or {@code null} (404, 405, refused before routing)
 * @param route the route's template for the figures, or {@code null} when no path matched
 * @param principal the caller, or {@code null}
 * @param forwardedTo the upstream's name, or {@code null} when nothing was forwarded
 * @param upstreamNanos from the start of forwarding to the upstream's response head or its last failure; 0
 *     when nothing was forwarded
 * @param status the status sent to the client, or {@link #CLIENT_CLOSED} when nothing was sent
 * @param answered whether a response started at all
 * @param durationNanos from the request's first bytes to the end of the exchange
 * @param bytesIn body bytes read from the client
 * @param bytesOut body bytes written to the client
 * @param delivered the whole response was written to the socket ({@code request errored} in the access log otherwise)
 * @param span the server span to end, or {@code null} when tracing is off
 * @param split the side of a split route it went to, or {@code null} (no split, or not forwarded)
 */
public record ExchangeRecord(String requestId, HttpRequest request, String rawUri, String clientAddress,
        int clientPort, RoutedOperation operation, String route, Principal principal, String forwardedTo,
        long upstreamNanos, int status, boolean answered, long durationNanos, long bytesIn, long bytesOut,
        boolean delivered, Span span, Side split) {
    /** The status logged and counted for an exchange that ended with nothing sent: the client left (nginx's 499). */
    public static final int CLIENT_CLOSED = 499;
}
