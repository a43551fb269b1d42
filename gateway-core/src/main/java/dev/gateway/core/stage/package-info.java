/**
 * The request stages between the lifecycle and the proxy: guard, routing, authentication, rate limiting,
 * admission and contract validation, each passing a request on or answering it through its
 * {@code Exchange}. Uses {@code codec}, {@code exchange}, {@code route}, {@code auth}, {@code ratelimit},
 * {@code contract}, {@code admin} ({@code Probes}), {@code tls} ({@code ClientCertificates}, the connection's
 * verified client certificate), {@code metrics} ({@code GatewayMetrics}) and
 * {@code upstream} (admission). Event-loop code: no blocking, no I/O of its own, no upstream call (proxy).
 */
package dev.gateway.core.stage;
