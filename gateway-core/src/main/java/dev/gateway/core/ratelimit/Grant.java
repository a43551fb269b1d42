package dev.gateway.core.ratelimit;

/**
 * What the shared bucket gave for one lease request.
 *
 * @param granted tokens granted, 0 to the number asked for
 * @param waitMicros microseconds until the bucket holds one more token (0 when it holds one now)
 */
record Grant(long granted, long waitMicros) {}
