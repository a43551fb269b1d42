/**
 * The services behind the gateway, made once from config by {@code Upstreams}: {@code Upstream} (admission,
 * outcomes, outlier ejection, readiness),
 * {@code Endpoint} (address, breaker, health), per-loop pools and the power-of-two-choices pick, health
 * probes and the retry budget. Uses {@code config}, {@code net}, {@code metrics} (its series),
 * {@code tls} (an upstream's client context) and {@code upstream.pool}; Failsafe for the breakers. Nothing of client exchanges or HTTP relaying (proxy).
 */
package dev.gateway.core.upstream;
