/**
 * The pool mechanism of one endpoint on one loop: {@code EndpointPool} (idle reuse, caps, waiters),
 * {@code UpstreamConnection} and its pipeline ({@code StatusLineCheck}, {@code UpstreamCodec}). Uses
 * {@code upstream} ({@code Endpoint}) and {@code codec} ({@code RequestFraming}). Connections only: no
 * balancing, breaker or health decisions (upstream), no client exchanges (proxy).
 */
package dev.gateway.core.upstream.pool;
