/**
 * Per-caller rate limits: the {@code RateLimiter} seam, its lock-free GCRA implementation and the rate
 * classes, made once from {@code config}'s {@code rateLimits}; and limits shared by replicas on Redis
 * ({@code LeasedRateLimiter}), through Lettuce, whose Netty threads are its own. Uses {@code config} only:
 * no other package of the gateway, no Netty directly. Takes a caller key and a class and
 * says yes or how long to wait; HTTP answers and headers belong to the {@code stage.RateLimiting} stage.
 */
package dev.gateway.core.ratelimit;
