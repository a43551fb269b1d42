/**
 * Black-box tests: real gateways (in process through {@code dev.gateway.cli.DemoGateway}, or the shaded
 * jar as its own process) in front of real upstreams (the demo services, Netty test servers that
 * misbehave on demand, a raw-TCP upstream with its own strict parser, MockServer), driven over real
 * sockets by byte-exact and ordinary HTTP clients. Every test JVM runs with paranoid leak detection.
 *
 * <p>May use the gateway's public API to start and stop it, and nothing else of its inside: what is
 * asserted is what a client, an upstream, a scraper or a log reader sees.
 */
package dev.gateway.it;
