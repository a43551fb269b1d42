package dev.gateway.core.pipeline;

import dev.gateway.codec.HopByHopHeaders;
import dev.gateway.core.auth.Principal;
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
final class ForwardedHeaders {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_API_KEY = AsciiString.cached("x-api-key");
    static final AsciiString X_AUTH_SUBJECT = AsciiString.cached("x-auth-subject");
    static final AsciiString X_AUTH_SCOPES = AsciiString.cached("x-auth-scopes");
    static final AsciiString X_AUTH_METHOD = AsciiString.cached("x-auth-method");
    private static final AsciiString X_AUTH_PREFIX = AsciiString.cached("x-auth-");
    private static final AsciiString HTTP = AsciiString.cached("http");

    private ForwardedHeaders() {
    }

    /**
     * Rewrites the client's request in place for the upstream: the gateway's own framing, no
     * hop-by-hop headers, no credentials, no client-made identity headers, the forwarding trail, and
     * {@code Host} set to the upstream's own host:port; then who the caller is, when it authenticated.
     *
     * @param caller the authenticated caller, or {@code null}
     */
    static void toUpstream(HttpRequest request, String uri, CharSequence clientAddress, AsciiString upstreamHost,
            Principal caller) {
        HttpHeaders h = request.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        String clientHost = h.get(HttpHeaderNames.HOST);
        HopByHopHeaders.strip(h);
        h.remove(HttpHeaderNames.EXPECT); // answered by the gateway itself
        h.remove(HttpHeaderNames.AUTHORIZATION);
        h.remove(X_API_KEY);
        removeClientIdentity(h);
        if (caller != null) {
            h.set(X_AUTH_SUBJECT, caller.subject());
            h.set(X_AUTH_SCOPES, caller.scopeHeader());
            h.set(X_AUTH_METHOD, caller.method());
        }

        String forwardedFor = h.get(X_FORWARDED_FOR);
        h.set(X_FORWARDED_FOR, forwardedFor == null || forwardedFor.isBlank()
                ? clientAddress : forwardedFor + ", " + clientAddress);
        h.set(X_FORWARDED_PROTO, HTTP);
        if (clientHost != null) {
            h.set(X_FORWARDED_HOST, clientHost);
        } else {
            h.remove(X_FORWARDED_HOST);
        }
        h.set(HttpHeaderNames.HOST, upstreamHost);
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        request.setUri(uri);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /** {@code X-Auth-*} is the gateway's to send; whatever a client sent under that name goes. */
    private static void removeClientIdentity(HttpHeaders h) {
        List<CharSequence> found = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (name.length() > X_AUTH_PREFIX.length()
                    && AsciiString.regionMatches(name, true, 0, X_AUTH_PREFIX, 0, X_AUTH_PREFIX.length())) {
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

    /**
     * Rewrites the upstream's response in place for the client: its headers unchanged but for
     * hop-by-hop ones, and the gateway's own framing.
     *
     * @return {@code false} when the body must be delimited by closing the connection (an HTTP/1.0
     *     client and a body of unknown length)
     */
    static boolean toClient(HttpResponse response, boolean clientSpeaks11, boolean bodyAllowed) {
        HopByHopHeaders.strip(response.headers());
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
