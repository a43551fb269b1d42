/**
 * Shadow traffic: a sampled share of a route's requests also sent to a second target (and, for noise,
 * a second time to the route's own stack), over pools of their own, with the answers copied off the wire
 * and compared off the event loops. The caller only ever sees the primary's answer; a copy never holds
 * the primary back, never counts in the route's figures and never touches the breakers of the endpoints
 * the primary uses. Uses {@code upstream} (endpoints, pools), {@code diff} and {@code journal} (comparison
 * and its samples), {@code split} (the plan), {@code metrics} and {@code config}.
 */
package dev.gateway.core.shadow;
