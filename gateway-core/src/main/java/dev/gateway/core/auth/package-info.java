/**
 * Credentials to a {@link dev.gateway.core.auth.Principal}: JWT verification (local and JWKS keys, the token
 * cache) and API keys. Uses {@code config} (its settings and errors) and nimbus-jose-jwt; Netty only for
 * {@code AsciiString} and {@code FastThreadLocal}. Takes header values and gives principals or {@code Unauthenticated}: no channels, no
 * HTTP answers (the stage writes those), and no network call on an event loop (JWKS fetches run on the
 * background thread).
 */
package dev.gateway.core.auth;
