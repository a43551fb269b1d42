/**
 * Wiring: {@code Gateway} (start, listeners, loops, shutdown), the client pipeline's initializer, gauges,
 * the warm-up and the class-data training run. Uses {@code admin}, {@code auth}, {@code config},
 * {@code contract}, {@code exchange}, {@code net}, {@code observe}, {@code proxy}, {@code ratelimit},
 * {@code route}, {@code stage}, {@code upstream}, the codec and, for now, {@code demo} (the demo upstreams).
 * Builds and connects the parts once; no request-path logic of its own.
 */
package dev.gateway.core.server;
