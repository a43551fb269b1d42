/**
 * TLS on the public listener: the server's context from PEM files, OpenSSL or the JDK's provider, TLS 1.3
 * and 1.2 with AEAD suites, reloaded when the files change ({@link dev.gateway.core.tls.ServerTls}); client
 * certificates asked for and verified against configured CAs, the subject of one kept on its connection
 * ({@link dev.gateway.core.tls.ClientCertificates}). TLS to upstreams: one client context per upstream, its
 * certificate always checked against the trust anchors and the name ({@link dev.gateway.core.tls.UpstreamTls}).
 * Uses {@code config}.
 */
package dev.gateway.core.tls;
