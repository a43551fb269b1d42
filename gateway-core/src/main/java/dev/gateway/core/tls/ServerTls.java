package dev.gateway.core.tls;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig.TlsClientAuth;
import dev.gateway.core.config.GatewayConfig.TlsConfig;
import dev.gateway.core.config.GatewayConfig.TlsProvider;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * TLS for the public listener: the server's context, made from the PEM certificate chain and private key
 * of {@code listener.tls}, with TLS 1.3 and 1.2 and a cipher list of AEAD suites with forward secrecy
 * (Mozilla's "intermediate" profile). OpenSSL (BoringSSL, from {@code netty-tcnative-boringssl-static})
 * when it loads, else the JDK's provider; {@code provider} can insist on either.
 *
 * <p>With {@code clientAuth} optional or required the server asks for a client certificate (RFC 8446
 * section 4.3.2) and the provider verifies one sent against the CA certificates of
 * {@code clientCertificateAuthorities} (RFC 5280 path validation, validity included); a certificate that
 * fails, or none under {@code required}, fails the handshake. The subject of one that passes is kept on the
 * connection ({@link ClientCertificates}).
 *
 * <p>{@link #reload} makes a new context from the files and swaps it in for the connections accepted from
 * then on; connections already open keep the session they made. A reload that fails (a key that does not
 * match, a half-written file) keeps the context in use and says why.
 */
public final class ServerTls {
    private static final Logger LOG = LogManager.getLogger(ServerTls.class);
    /**
     * TLS 1.3's suites, then TLS 1.2's ECDHE suites with AES-GCM or ChaCha20-Poly1305: forward secrecy and
     * authenticated encryption only (Mozilla's intermediate configuration, version 5.7). Netty names them
     * the JDK's way and translates them for OpenSSL.
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    private final TlsConfig config;
    private final SslProvider provider;
    private final long handshakeTimeoutMillis;
    /** ALPN (RFC 7301): the protocols offered, the server's preference first; {@code null}: no ALPN. */
    private final ApplicationProtocolConfig alpn;
    private final AtomicReference<Loaded> current = new AtomicReference<>();

    /** A context and what it was made of. */
    private record Loaded(SslContext context, Instant notAfter) {
    }

    private ServerTls(TlsConfig config, SslProvider provider, long handshakeTimeoutMillis, boolean http2) {
        this.config = config;
        this.provider = provider;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        // A client that offers neither gets no ALPN answer and speaks HTTP/1.1, as without ALPN.
        this.alpn = !http2 ? null : new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    }

    /**
     * Makes the context from {@code config}'s files.
     *
     * @param handshakeTimeoutMillis how long a client may take to finish its handshake (ms), after which
     *     the connection is closed
     * @param http2 whether ALPN offers {@code h2} before {@code http/1.1}
     * @return the listener's TLS, ready to hand out handlers
     * @throws ConfigException naming {@code listener.tls.*} when a file cannot be read or used, or when
     *     {@code provider: openssl} is asked for and OpenSSL cannot be loaded on this machine
     */
    public static ServerTls load(TlsConfig config, long handshakeTimeoutMillis, boolean http2) {
        SslProvider provider = provider(config.provider());
        if (provider == SslProvider.JDK && System.getProperty(REJECT_RENEGOTIATION) == null) {
            // The JDK's server accepts a TLS 1.2 renegotiation the client asks for unless told not to: each
            // one is a full handshake's CPU at the client's will (BoringSSL never renegotiates as a server).
            // A JVM-wide setting, read once before the process's first server handshake: set here, before
            // the listener's, and left alone when the operator set it (-D...).
            System.setProperty(REJECT_RENEGOTIATION, "true");
        }
        ServerTls tls = new ServerTls(config, provider, handshakeTimeoutMillis, http2);
        tls.current.set(tls.make());
        LOG.info("TLS on the listener: {} ({}), certificate valid until {}, client certificates: {}",
                String.join(", ", config.protocols()),
                provider == SslProvider.OPENSSL ? "OpenSSL " + OpenSsl.versionString() : "the JDK's provider",
                tls.current.get().notAfter(), config.clientAuth().name().toLowerCase(Locale.ROOT));
        return tls;
    }

    private static SslProvider provider(TlsProvider wanted) {
        return switch (wanted) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw ConfigException.ofSetting("listener.tls.provider", "is openssl, which cannot be loaded "
                            + "here (" + OpenSsl.unavailabilityCause() + ")");
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> {
                if (OpenSsl.isAvailable()) {
                    yield SslProvider.OPENSSL;
                }
                LOG.warn("TLS: OpenSSL cannot be loaded ({}); using the JDK's provider",
                        String.valueOf(OpenSsl.unavailabilityCause()));
                yield SslProvider.JDK;
            }
        };
    }

    private Loaded make() {
        List<X509Certificate> chain = PemFiles.certificates(config.certificate(), "listener.tls.certificate");
        PrivateKey key = privateKey();
        if (!matches(key, chain.get(0))) {
            throw ConfigException.ofSetting("listener.tls.privateKey", "is not the key of the certificate's public "
                    + "key (listener.tls.certificate)");
        }
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
                .sslProvider(provider)
                .protocols(config.protocols())
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .sessionTimeout(TimeUnit.HOURS.toSeconds(1))
                .applicationProtocolConfig(alpn);
        if (config.clientAuth() == TlsClientAuth.NONE) {
            builder.clientAuth(ClientAuth.NONE);
        } else {
            builder.clientAuth(config.clientAuth() == TlsClientAuth.REQUIRED ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
                    .trustManager(PemFiles.certificates(config.clientCertificateAuthorities(),
                            "listener.tls.clientCertificateAuthorities"));
        }
        SslContext context;
        try {
            context = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw ConfigException.ofSetting("listener.tls.privateKey", "cannot be used with the certificate ("
                    + e.getMessage() + ")");
        }
        X509Certificate leaf = chain.get(0);
        Instant now = Instant.now();
        if (leaf.getNotAfter().toInstant().isBefore(now) || leaf.getNotBefore().toInstant().isAfter(now)) {
            // Served all the same (a refusal would take the listener down with it); clients will refuse it.
            LOG.warn("TLS: the certificate is not valid now (valid from {} until {})", leaf.getNotBefore().toInstant(),
                    leaf.getNotAfter().toInstant());
        }
        return new Loaded(context, leaf.getNotAfter().toInstant());
    }

    /** The PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}, RFC 7468 section 10), RSA or EC. */
    private PrivateKey privateKey() {
        String pem;
        try {
            pem = Files.readString(config.privateKey(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw ConfigException.ofSetting("listener.tls.privateKey", "cannot be read (" + PemFiles.reason(e) + ")");
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf("-----END PRIVATE KEY-----");
        if (from < 0 || to < from) {
            throw ConfigException.ofSetting("listener.tls.privateKey", "holds no unencrypted PKCS#8 key ("
                    + begin + "; openssl pkcs8 -topk8 -nocrypt converts others)");
        }
        PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to)));
        } catch (IllegalArgumentException e) {
            throw ConfigException.ofSetting("listener.tls.privateKey", "holds a key that is not base64");
        }
        for (String algorithm : List.of("EC", "RSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | NoSuchAlgorithmException e) {
                // not this kind: the next
            }
        }
        throw ConfigException.ofSetting("listener.tls.privateKey", "holds a key that is neither EC nor RSA");
    }

    /**
     * Whether {@code key} is the private half of the certificate's public key: a signature made with one is
     * checked with the other (the providers would only find out at a client's handshake).
     */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] challenge = "gateway listener key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(challenge);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificate.getPublicKey());
            verify.update(challenge);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another kind than the certificate's
        }
    }

    /**
     * Makes a new context from the files and uses it for the connections accepted from now on.
     *
     * @return true when it did; false when the files could not be used (the context in use stays, and the
     *     reason is logged)
     */
    public boolean reload() {
        try {
            Loaded next = make();
            current.set(next);
            LOG.info("TLS: certificate and key{} reloaded; valid until {}",
                    config.clientAuth() == TlsClientAuth.NONE ? "" : " and client certificate CAs", next.notAfter());
            return true;
        } catch (RuntimeException e) { // a ConfigException saying why, or anything the providers throw
            LOG.warn("TLS: certificate, key or client certificate CAs not reloaded, the ones in use stay (tried "
                    + "again at the next change of any of the files): {}", e.getMessage());
            return false;
        }
    }

    /**
     * A handler for one new connection, with the context in use now and the handshake timeout. When client
     * certificates are asked for, the subject of a verified one is kept on the connection's channel once
     * the handshake completes ({@link ClientCertificates#subject}).
     *
     * @param alloc the connection's allocator
     * @return the handler, for the connection's pipeline
     */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = current.get().context().newHandler(alloc);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        if (config.clientAuth() != TlsClientAuth.NONE) {
            ClientCertificates.readOnHandshake(handler);
        }
        return handler;
    }

    /** When the certificate in use stops being valid. */
    public Instant notAfter() {
        return current.get().notAfter();
    }

    /** {@code openssl} or {@code jdk}: which implementation terminates TLS. */
    public String providerName() {
        return provider == SslProvider.OPENSSL ? "openssl" : "jdk";
    }

    /**
     * The files a watcher should look at for a {@link #reload}: the certificate, the key and, when client
     * certificates are asked for, their CAs.
     */
    public List<Path> files() {
        return config.clientCertificateAuthorities() == null ? List.of(config.certificate(), config.privateKey())
                : List.of(config.certificate(), config.privateKey(), config.clientCertificateAuthorities());
    }
}
