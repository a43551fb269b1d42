package dev.gateway.core.exchange;

import io.netty.handler.codec.http.HttpRequest;

/**
 * How a client's requests reach the gateway: the URL scheme (TLS or not) and HTTP/1.x or HTTP/2, as a
 * server span states them (OpenTelemetry's {@code url.scheme} and {@code network.protocol.version}).
 */
public enum ClientProtocol {
    /** HTTP/1.x in cleartext. */
    HTTP("http", false),
    /** HTTP/1.x over TLS. */
    HTTPS("https", false),
    /** HTTP/2 in cleartext (h2c). */
    H2C("http", true),
    /** HTTP/2 over TLS (h2). */
    H2("https", true);

    private final String scheme;
    private final boolean http2;

    ClientProtocol(String scheme, boolean http2) {
        this.scheme = scheme;
        this.http2 = http2;
    }

    static ClientProtocol of(boolean secure, boolean http2) {
        return http2 ? (secure ? H2 : H2C) : (secure ? HTTPS : HTTP);
    }

    /** {@code http} or {@code https}. */
    public String scheme() {
        return scheme;
    }

    /** {@code 2} on HTTP/2, else the request's own version ({@code 1.1}, {@code 1.0}). */
    public String version(HttpRequest request) {
        return http2 ? "2" : request.protocolVersion().majorVersion() + "." + request.protocolVersion().minorVersion();
    }
}
