/**
 * Splitting traffic between targets during a migration: which callers a weighted split sends to the other
 * target, stably across requests, replicas and restarts ({@code CallerBuckets}), and when to stop sending
 * them there: {@code SloGuard} compares a split route's canary with its stable target, window by window, and
 * trips the route when the canary's error rate or p99 is worse for several windows in a row. Uses
 * {@code auth} ({@code Principal}, whose caller key is the identity) and nothing else of the gateway; the
 * guard uses the JDK alone. The routing of a split request is not here.
 */
package dev.gateway.core.split;
