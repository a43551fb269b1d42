/**
 * The pool mechanism of one address on one loop: {@code EndpointPool} (idle reuse, caps, waiters),
 * {@code UpstreamConnection} and its pipeline (an optional {@code SslHandler} from the factory it is given,
 * {@code StatusLineCheck}, {@code UpstreamCodec}). Uses
 * {@code codec} ({@code RequestFraming}) and Netty, and no other room: it knows no endpoint, breaker,
 * health or balancing ({@code upstream} decides those and uses this), and no client exchange (proxy).
 */
package dev.gateway.core.upstream.pool;
