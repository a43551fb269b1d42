package dev.gateway.core.tls;

import dev.gateway.core.net.Connections;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

/**
 * The client certificate of a TLS connection, read once when its handshake completes and kept on the
 * connection's channel for the requests on it. Only the TLS handshake sets it, from the certificate the
 * provider verified against {@code listener.tls.clientCertificateAuthorities} (RFC 5280 path validation);
 * nothing a client sends in a request can.
 */
public final class ClientCertificates {
    /** The subject of the connection's verified client certificate; absent when it presented none. */
    static final AttributeKey<X500Principal> SUBJECT = AttributeKey.valueOf(ClientCertificates.class, "subject");

    private ClientCertificates() {
    }

    /**
     * Reads the peer's certificate when {@code handler}'s handshake completes (RFC 8446 section 4.4.2: the
     * first certificate of the list is the client's own) and keeps its subject on the channel. Added before
     * any other listener, so it runs before the handler passes on the first decrypted bytes.
     */
    static void readOnHandshake(SslHandler handler) {
        handler.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                return;
            }
            Channel ch = (Channel) f.getNow();
            Certificate[] peer;
            try {
                peer = handler.engine().getSession().getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                return; // clientAuth optional, and the client sent none
            }
            if (peer.length > 0 && peer[0] instanceof X509Certificate leaf) {
                ch.attr(SUBJECT).set(leaf.getSubjectX500Principal());
            }
        });
    }

    /**
     * The subject of the verified client certificate of the connection {@code ch} belongs to: the channel
     * itself, or for a stream of a multiplexed connection (an HTTP/2 child channel) its parent. A
     * connection's own parent is the listener's server channel, which is never it. One attribute read, no
     * parsing.
     *
     * @param ch the channel a request came in on
     * @return the subject distinguished name (RFC 5280 section 4.1.2.6), or {@code null} when the
     *     connection presented no certificate or is not TLS
     */
    public static X500Principal subject(Channel ch) {
        return Connections.of(ch).attr(SUBJECT).get();
    }
}
