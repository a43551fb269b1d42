/**
 * The trip upstream: {@code ProxyHandler} picks the endpoint, {@code ProxyCall} rewrites and relays request
 * and response (retries, timeouts through {@code CallClock}), {@code ResponseCheck} holds responses to the
 * contract. Uses {@code codec}, {@code auth}, {@code contract}, {@code exchange}, {@code observe}
 * ({@code Tracing}), {@code route}, {@code upstream} and {@code upstream.pool}. No request checks (they are the
 * stages' and are done before a request gets here), and no pool or health mechanics (upstream).
 */
package dev.gateway.core.proxy;
