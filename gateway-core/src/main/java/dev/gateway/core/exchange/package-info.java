/**
 * A client connection's exchanges: {@link dev.gateway.core.exchange.ExchangeLifecycle} (one request at a
 * time, answered exactly once), the {@code Exchange} and its record, client timeouts, the read gate, the
 * server state, and the seams to the proxy ({@code UpstreamCall}, {@code RequestRefused}). Uses {@code codec}
 * and, as data only, {@code auth.Principal}, {@code route.RoutedOperation} and {@code upstream.Upstream} (the
 * admission slot); the OpenTelemetry API for the span. No request checks (stage), no upstream calls (proxy),
 * no metrics or logging (reported through {@code ExchangeObserver}).
 */
package dev.gateway.core.exchange;
