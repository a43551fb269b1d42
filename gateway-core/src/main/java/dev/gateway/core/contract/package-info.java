/**
 * The OpenAPI contract: its operations, the lint run at start, and the compiled request and response rules
 * (parameters, media types, body limits, JSON schemas). Uses {@code codec} (error details,
 * {@code InPlaceJson}), Jackson, the networknt validator and Netty's header and buffer types. Immutable once
 * compiled and shared by every loop; knows nothing of config, upstreams or the pipeline.
 */
package dev.gateway.core.contract;
