/**
 * Credentials to a {@link dev.gateway.core.auth.Principal}: JWT verification (local and JWKS keys, the token
 * cache), API keys and client certificate subjects. Uses {@code config} (its settings and errors) and nimbus-jose-jwt; Netty only for
 * {@code AsciiString} and {@code FastThreadLocal}. Takes header values (and a certificate's subject, read by {@code tls}) and gives principals or {@code Unauthenticated}: no channels, no
 * HTTP answers (the stage writes those), and no network call on an event loop (JWKS fetches run on the
 * background thread).
 */
package dev.gateway.core.auth;
