/**
 * The Prometheus series: {@code GatewayMetrics} (one registry per gateway and its families), and the label
 * children resolved once for a route ({@code RouteMetrics}), an endpoint ({@code EndpointMetrics}) and an
 * upstream ({@code UpstreamMetrics}), so the request path counts without building label keys; the shared
 * rate limiter's series ({@code SharedRateLimitMetrics}), read at scrape time from its counts. Uses
 * {@code codec} ({@code ErrorCode}), Netty's {@code HttpMethod} and the Prometheus client, and no other
 * room: a leaf every room may count in. What is read at scrape time from elsewhere is registered from
 * outside ({@code register}, {@code countDroppedLogLines}).
 */
package dev.gateway.core.metrics;
