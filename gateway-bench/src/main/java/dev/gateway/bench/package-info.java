/**
 * The JMH benchmarks (routing, request guard, header rewriting, body validation, authentication,
 * loopback round trips, start-up) and {@link dev.gateway.bench.Gate}, which turns a run into the
 * latency gate's figures and compares them with {@code gateway-bench/baseline.json}.
 *
 * <p>May use the public API of gateway-core and gateway-codec only, like any other client of them: no
 * benchmark lives in a production package to reach what is package-private. Round trips start real
 * gateways and a real Netty stub on loopback.
 */
package dev.gateway.bench;
