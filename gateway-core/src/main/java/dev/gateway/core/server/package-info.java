/**
 * Wiring: {@code Gateway} (start, listeners, loops, shutdown), the client pipeline's initializer, gauges
 * and the warm-up. Uses {@code admin}, {@code auth}, {@code config}, {@code contract}, {@code exchange},
 * {@code net}, {@code observe}, {@code proxy}, {@code ratelimit}, {@code route}, {@code stage},
 * {@code upstream} and the codec; the only room that sees every other. Knows no demo and no command line
 * (they are {@code dev.gateway.cli}'s).
 * Builds and connects the parts once; no request-path logic of its own.
 */
package dev.gateway.core.server;
