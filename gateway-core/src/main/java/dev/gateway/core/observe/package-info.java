/**
 * What exchanges leave behind for operators: {@code Telemetry} (the {@code ExchangeObserver}: the route's
 * series, the server span, the access line), the access log line itself, tracing, and the log queue's
 * full policy. Uses {@code config} ({@code TracingConfig}), {@code exchange} (the observer and its record)
 * and {@code metrics} (the series it counts in). Records and exports only: no decisions about requests, no
 * state per exchange, nothing that blocks a loop.
 */
package dev.gateway.core.observe;
