package dev.gateway.core.tls;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig.UpstreamTlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * TLS from the gateway to one upstream's endpoints: one client context per upstream, made at start from
 * {@code upstreams.NAME.tls}, with TLS 1.3 and 1.2 and the listener's AEAD suites ({@link ServerTls#CIPHERS}).
 * OpenSSL (BoringSSL) when it loads, else the JDK's provider.
 *
 * <p>Every handshake checks the endpoint's certificate chain against the trust anchors (the configured PEM
 * file, or the JDK's defaults) and the certificate against the name, as HTTPS does (RFC 9110 section 4.3.4,
 * RFC 6125; endpoint identification {@code HTTPS}): the configured {@code serverName}, else the endpoint's
 * host. A DNS name is also sent as SNI (RFC 6066 section 3; both providers leave out a name without a dot,
 * such as {@code localhost}); an IP address is not (RFC 6066 forbids it) and is checked against the
 * certificate's IP addresses. There is no way to turn either check off.
 */
public final class UpstreamTls {
    private static final Logger LOG = LogManager.getLogger(UpstreamTls.class);
    /** The TLS versions offered: 1.3 and 1.2 (RFC 8996 retired the older). */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final SslContext context;
    private final String serverName;

    private UpstreamTls(SslContext context, String serverName) {
        this.context = context;
        this.serverName = serverName;
    }

    /**
     * Makes the upstream's client context; called once at start, never on an event loop (it reads a file).
     *
     * @param upstream the upstream's name, for errors
     * @param config its {@code tls} settings
     * @return the upstream's TLS, ready to hand out handlers
     * @throws ConfigException naming {@code upstreams.NAME.tls.trustStore} when the trust store cannot be read,
     *     does not parse as PEM X.509 certificates or holds none (its contents are never shown)
     */
    public static UpstreamTls load(String upstream, UpstreamTlsConfig config) {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(PROTOCOLS)
                .ciphers(ServerTls.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .endpointIdentificationAlgorithm("HTTPS");
        String setting = "upstreams." + upstream + ".tls.trustStore";
        if (config.trustStore() != null) {
            builder.trustManager(PemFiles.certificates(config.trustStore(), setting));
        }
        SslContext context;
        try {
            context = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw ConfigException.ofSetting(setting, "cannot be used as trust anchors (" + e.getMessage() + ")");
        }
        LOG.info("TLS to upstream {}: {} ({}), trusting {}", upstream, String.join(", ", PROTOCOLS),
                provider == SslProvider.OPENSSL ? "OpenSSL " + OpenSsl.versionString() : "the JDK's provider",
                config.trustStore() == null ? "the JDK's default anchors" : "the anchors of its trustStore");
        return new UpstreamTls(context, config.serverName());
    }

    /**
     * A handler for one new connection to an endpoint, to go first in its pipeline. Its handshake starts when
     * the connection does; until it succeeds, nothing written passes.
     *
     * @param alloc the channel's allocator
     * @param host the endpoint's host as configured (a DNS name or an IP address), the name checked when no
     *     {@code serverName} is set
     * @param port the endpoint's port (sessions are resumed per host and port)
     * @param handshakeTimeoutMillis how long the handshake may take once connected (ms); then it fails with
     *     {@link io.netty.handler.ssl.SslHandshakeTimeoutException} and the connection is closed
     * @return the handler; its {@link SslHandler#handshakeFuture()} fails when the certificate is not trusted,
     *     not for the name, or the peer does not speak TLS
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port, long handshakeTimeoutMillis) {
        String name = serverName != null ? serverName : host;
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1); // certificates and SNI name hosts without the root's dot
        }
        SslHandler handler = context.newHandler(alloc, name, port);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }
}
