package dev.gateway.core.proxy;

import dev.gateway.codec.HopByHopHeaders;
import dev.gateway.codec.RequestIds;
import dev.gateway.codec.RequestTarget;
import dev.gateway.core.auth.Authenticator;
import dev.gateway.core.auth.Principal;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.split.RouteSplit;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The header rules of the legacy contract for a request going upstream and a response coming back. */
public final class ForwardedHeaders {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_AUTH_SUBJECT = AsciiString.cached("x-auth-subject");
    static final AsciiString X_AUTH_SCOPES = AsciiString.cached("x-auth-scopes");
    static final AsciiString X_AUTH_METHOD = AsciiString.cached("x-auth-method");
    /** Marks a shadow copy for the target that receives it: the gateway's to set, never a client's. */
    public static final AsciiString X_GATEWAY_SHADOW = AsciiString.cached("x-gateway-shadow");
    /**
     * Where a TLS-terminating proxy tells a server of the client's certificate: RFC 9440's fields (section
     * 4: removed from what clients send) and Envoy's {@code X-Forwarded-Client-Cert}. The gateway sends
     * none of them; a client's never goes on, so no upstream can take one for the connection's certificate.
     */
    private static final AsciiString[] CLIENT_CERT = {
        AsciiString.cached("client-cert"), AsciiString.cached("client-cert-chain"),
        AsciiString.cached("x-forwarded-client-cert"),
    };
    private static final AsciiString X_AUTH_PREFIX = AsciiString.cached("x-auth-");
    private static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("x-forwarded-");
    /** Names the gateway sets or strips, whose {@code _} spellings a client must not slip past it. */
    private static final AsciiString[] OWNED = {
        RequestIds.X_REQUEST_ID, Authenticator.X_API_KEY, RouteSplit.OVERRIDE_HEADER, X_GATEWAY_SHADOW,
        HttpHeaderNames.CONTENT_LENGTH,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.HOST, HttpHeaderNames.PROXY_AUTHORIZATION,
        AsciiString.cached("proxy-connection"), HttpHeaderNames.KEEP_ALIVE,
    };
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    private ForwardedHeaders() {
    }

    /**
     * Rewrites the client's request in place for the upstream: the gateway's own framing, no
     * hop-by-hop headers, no credentials, no client-made identity or client certificate headers, the
     * request id, the forwarding trail, and {@code Host} set to the upstream's own host:port; then who the caller is,
     * when it authenticated. Everything the gateway decides is set after the client's headers are
     * stripped, so nothing the client sent can remove or replace it. {@code X-Gateway-Target} (a
     * tester's pin of a split) never goes on.
     *
     * <p>An upstream that authenticates callers itself (the old gateway, {@code forwardCredentials}) gets
     * the caller's {@code Authorization} and {@code X-API-Key} as they came and no {@code X-Auth-*}
     * headers: it decides who the caller is, and no client-made {@code X-Auth-*} reaches it either.
     *
     * <p>Framing follows what the decoder read (RFC 9112 §6): chunked stays chunked, a length is sent as
     * the length, and a request without either goes without. {@code X-Forwarded-Host} is the target's
     * authority for an absolute-form target (RFC 9112 §3.2.2), else the client's {@code Host}; lines of
     * {@code X-Forwarded-For} are joined in order before the client's address is appended (RFC 9110 §5.3).
     *
     * @param request the request head, rewritten in place
     * @param requestId the exchange's request id
     * @param contentLength the body's framing as the decoder read it: bytes, {@link Exchange#CHUNKED} or
     *     {@link Exchange#NO_BODY}
     * @param target the normalised request target
     * @param caller who is calling, or {@code null} for an open operation
     * @param clientAddress the client's IP address
     * @param secure whether the client's connection is TLS: {@code X-Forwarded-Proto} https, else http
     * @param upstreamHost the upstream endpoint's {@code host:port}
     * @param forwardCredentials the upstream authenticates callers itself
     */
    public static void toUpstream(HttpRequest request, String requestId, long contentLength, RequestTarget target,
            Principal caller, CharSequence clientAddress, boolean secure, AsciiString upstreamHost,
            boolean forwardCredentials) {
        HttpHeaders h = request.headers();
        String forwardedHost = target.authority() != null ? target.authority() : h.get(HttpHeaderNames.HOST);
        String forwardedFor = joined(h, X_FORWARDED_FOR);
        HopByHopHeaders.stripFixed(h); // (the headers Connection named went when RequestGuard checked the head)
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        h.remove(HttpHeaderNames.EXPECT); // answered by the gateway itself
        h.remove(RouteSplit.OVERRIDE_HEADER); // the tester's pin of a split: read by the gateway, never forwarded
        h.remove(X_GATEWAY_SHADOW);
        if (!forwardCredentials) {
            h.remove(HttpHeaderNames.AUTHORIZATION);
            h.remove(Authenticator.X_API_KEY);
        }
        for (AsciiString name : CLIENT_CERT) {
            h.remove(name);
        }
        removeClientIdentity(h);
        if (caller != null && !forwardCredentials) {
            h.set(X_AUTH_SUBJECT, caller.subject());
            h.set(X_AUTH_SCOPES, caller.scopeHeader());
            h.set(X_AUTH_METHOD, caller.method());
        }
        h.set(RequestIds.X_REQUEST_ID, requestId);
        h.set(X_FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
        h.set(X_FORWARDED_PROTO, secure ? HTTPS : HTTP);
        if (forwardedHost != null && !forwardedHost.isEmpty()) {
            h.set(X_FORWARDED_HOST, forwardedHost);
        } else {
            h.remove(X_FORWARDED_HOST);
        }
        h.set(HttpHeaderNames.HOST, upstreamHost);
        if (contentLength == Exchange.CHUNKED) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else if (contentLength >= 0) {
            h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        request.setUri(target.uri());
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /** All lines of a list field, joined with {@code ", "} in order; {@code null} when there are none with a value. */
    private static String joined(HttpHeaders h, AsciiString name) {
        String first = h.get(name);
        if (first == null) {
            return null;
        }
        List<String> all = h.getAll(name);
        if (all.size() == 1) {
            return first.isBlank() ? null : first;
        }
        StringBuilder b = new StringBuilder();
        for (String line : all) {
            if (!line.isBlank()) {
                if (b.length() > 0) {
                    b.append(", ");
                }
                b.append(line);
            }
        }
        return b.length() == 0 ? null : b.toString();
    }

    /**
     * {@code X-Auth-*} is the gateway's to send: whatever a client sent under that name goes. So do names
     * spelled with {@code _} for {@code -} that read as one the gateway owns or strips ({@code X_Auth_Subject},
     * {@code X_Forwarded_For}, {@code X_API_Key}, {@code Content_Length}, ...): CGI-style servers (WSGI, PHP,
     * Rack) map both spellings to one variable, where the client's could join or beat the gateway's.
     */
    private static void removeClientIdentity(HttpHeaders h) {
        List<CharSequence> found = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (startsWithIgnoreCase(name, X_AUTH_PREFIX) || (AsciiString.indexOf(name, '_', 0) >= 0 && ownedLookAlike(name))) {
                if (found == null) {
                    found = new ArrayList<>(2);
                }
                found.add(name);
            }
        }
        if (found != null) {
            found.forEach(h::remove);
        }
    }

    private static boolean startsWithIgnoreCase(CharSequence name, AsciiString prefix) {
        return name.length() >= prefix.length() && AsciiString.regionMatches(name, true, 0, prefix, 0, prefix.length());
    }

    private static boolean ownedLookAlike(CharSequence name) {
        AsciiString dashed = new AsciiString(name.toString().replace('_', '-'));
        if (startsWithIgnoreCase(dashed, X_AUTH_PREFIX) || startsWithIgnoreCase(dashed, X_FORWARDED_PREFIX)) {
            return true;
        }
        return oneOf(OWNED, dashed) || oneOf(CLIENT_CERT, dashed);
    }

    private static boolean oneOf(AsciiString[] names, AsciiString name) {
        for (AsciiString n : names) {
            if (n.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Rewrites the upstream's response in place for the client: its headers unchanged but for
     * hop-by-hop ones, the gateway's own HTTP version and framing. A length the decoder read stays; a
     * body of any other framing (chunked, or delimited by the upstream's close) is sent chunked to an
     * HTTP/1.1 client.
     *
     * @param bodyAllowed the status allows a body ({@code 204} and {@code 304} do not, RFC 9110 §15.3.5, §15.4.5)
     * @return {@code false} when the body must be delimited by closing the connection (an HTTP/1.0
     *     client and a body of unknown length)
     */
    public static boolean toClient(HttpResponse response, boolean clientSpeaks11, boolean bodyAllowed) {
        HopByHopHeaders.stripFixed(response.headers()); // (the headers Connection named went with the head's check)
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!bodyAllowed || HttpUtil.isContentLengthSet(response)) {
            return true;
        }
        if (clientSpeaks11) {
            response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            return true;
        }
        return false;
    }
}
