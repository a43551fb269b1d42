/**
 * The route table: path templates in a segment tree, each method bound by {@code RouteBinder}, once at
 * start, to a {@code RoutedOperation} (its upstream, timeouts, rules, rate class and series). Uses
 * {@code config}, {@code contract}, {@code metrics}
 * ({@code RouteMetrics}), {@code ratelimit} ({@code RateClass}), {@code upstream} and Netty's
 * {@code HttpMethod}. Immutable after start and matched without allocating; no answers, checks or I/O.
 */
package dev.gateway.core.route;
