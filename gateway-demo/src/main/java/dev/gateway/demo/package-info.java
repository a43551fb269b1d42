/**
 * The demo trade and task services ({@link dev.gateway.demo.DemoUpstreams}): every operation of the
 * bundled contract answered with schema-valid bodies, a task event stream, and artifact upload and
 * download. They stand in for the real upstreams on a developer's machine, in the tests, the benchmarks
 * and the load scripts.
 *
 * <p>May use Netty and Jackson only: nothing of the gateway ({@code dev.gateway.core}, {@code
 * dev.gateway.codec}), so that the gateway is tested against services that share none of its code. The
 * command line ({@code dev.gateway.cli}) runs them, alone or behind the gateway.
 */
package dev.gateway.demo;
