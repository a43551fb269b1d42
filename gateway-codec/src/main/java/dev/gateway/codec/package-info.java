/**
 * HTTP/1.1 wire rules the gateway holds requests and responses to: request framing and target normalisation,
 * authority syntax, hop-by-hop headers, request ids, the {@code ErrorBody} writer and in-place JSON parsing.
 * Uses Netty's buffers and HTTP types and Jackson core (streaming parser and generator) only; nothing of the
 * gateway (no config, no contract, no pipeline). Stateless checks and writers: no channel handlers, no I/O,
 * nothing configured.
 */
package dev.gateway.codec;
