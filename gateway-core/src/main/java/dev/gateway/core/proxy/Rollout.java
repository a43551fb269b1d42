package dev.gateway.core.proxy;

import dev.gateway.core.capture.TrafficCapture;
import dev.gateway.core.shadow.Shadowing;
import dev.gateway.core.split.Migration;

/**
 * What the proxy consults besides the route while the old and the new stack run side by side.
 *
 * @param migration the running split and shadow plan
 * @param shadowing where shadow copies go
 * @param capture the traffic capture, or {@code null} when it is off
 */
public record Rollout(Migration migration, Shadowing shadowing, TrafficCapture capture) {
}
