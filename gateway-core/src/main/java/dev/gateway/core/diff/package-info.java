/**
 * Comparing two responses to the same request, for shadow traffic and replays during the migration:
 * {@code DiffRules} (what is compared), {@code ObservedResponse} (a response as captured),
 * {@code ResponseDiffer} (the differences, as RFC 6902 operations with RFC 6901 pointers),
 * {@code NoiseFilter} (Diffy's noise cancellation from reference-against-reference comparisons) and
 * {@code DiffSamples} (a sampled comparison as a journal line). Uses the JDK, Jackson and zjsonpatch, and
 * no other room of the gateway, no Netty: its callers capture responses on the request path and hand them
 * to worker threads, and nothing here ever runs on an event loop.
 */
package dev.gateway.core.diff;
