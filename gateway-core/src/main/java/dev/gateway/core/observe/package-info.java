/**
 * What exchanges leave behind: {@code Telemetry} (the {@code ExchangeObserver}), the access log line, the
 * Prometheus families and per-route, endpoint and upstream series, tracing, and the log queue's full policy.
 * Uses {@code codec} ({@code ErrorCode}), {@code config} ({@code TracingConfig}), {@code exchange} (the
 * observer and its record) and {@code ratelimit} (the classes' names, for their counters).
 * Records and exports only: no decisions about requests, no state per exchange, nothing that blocks a loop.
 */
package dev.gateway.core.observe;
