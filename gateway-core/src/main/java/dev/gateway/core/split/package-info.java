/**
 * Splitting traffic between targets during a migration: which callers a weighted split sends to the other
 * target, stably across requests, replicas and restarts. Uses {@code auth} ({@code Principal}, whose
 * caller key is the identity) and nothing else of the gateway; the routing of a split request is not here.
 */
package dev.gateway.core.split;
