/**
 * HTTP/2 on the public listener: choosing it (ALPN over TLS, the preface in cleartext), an h2 connection's
 * handlers and guards ({@link dev.gateway.core.http2.Http2Handlers}), and each stream's request turned into
 * the messages of HTTP/1.1, so the stages after it serve both alike. Uses {@code config}, {@code metrics}
 * and {@code exchange} (its client timeout); knows no stage.
 */
package dev.gateway.core.http2;
