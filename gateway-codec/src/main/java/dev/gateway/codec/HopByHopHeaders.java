package dev.gateway.codec;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Headers that describe one connection, not the message: never forwarded in either direction (RFC 9110
 * §7.6.1). Framing ({@code Transfer-Encoding}, {@code Content-Length}, {@code Connection}) is always the
 * gateway's own on each side.
 *
 * <p>{@code Connection} may name further hop-by-hop fields, and those are removed too, but only fields
 * the sender itself may withdraw: a name that frames or routes the message ({@code Content-Length},
 * {@code Transfer-Encoding}, {@code Host}) or that the gateway sets ({@code X-Request-Id},
 * {@code X-Forwarded-*}, {@code X-Auth-*}, {@code traceparent}, {@code tracestate}) is ignored in it, so no
 * client can strip the framing or the identity the gateway decided. At most {@link #MAX_NOMINATED} names
 * are honoured: removing each is a pass over the headers, and a message naming more is refused.
 */
public final class HopByHopHeaders {
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString[] FIXED = {
        HttpHeaderNames.CONNECTION,
        HttpHeaderNames.KEEP_ALIVE,
        PROXY_CONNECTION,
        HttpHeaderNames.PROXY_AUTHORIZATION,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING,
        HttpHeaderNames.UPGRADE,
    };
    /** Names a {@code Connection} header cannot withdraw: framing, routing, and what the gateway sets. */
    private static final String[] NEVER_NOMINATED = {
        "connection", "content-length", "transfer-encoding", "host", "x-request-id", "x-forwarded-for", "x-forwarded-proto",
        "x-forwarded-host", "traceparent", "tracestate",
    };
    private static final String GATEWAY_PREFIX = "x-auth-";
    /**
     * Fields never relayed in trailers beyond the hop-by-hop ones: framing, routing, authentication,
     * controls and content format must be known before the content (RFC 9110 §6.5.1).
     */
    private static final AsciiString[] NOT_IN_TRAILERS = {
        HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.HOST, HttpHeaderNames.CONTENT_TYPE,
        HttpHeaderNames.CONTENT_ENCODING, HttpHeaderNames.CONTENT_RANGE, HttpHeaderNames.AUTHORIZATION,
        HttpHeaderNames.WWW_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.SET_COOKIE,
        HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.EXPIRES, HttpHeaderNames.LOCATION,
        HttpHeaderNames.RETRY_AFTER, HttpHeaderNames.VARY, HttpHeaderNames.AGE, HttpHeaderNames.DATE,
        AsciiString.cached("x-request-id"),
    };

    /**
     * Most options a {@code Connection} header may name: real clients name one or two, and each name
     * costs a removal over every header, so a message naming more is refused where its head is checked.
     */
    public static final int MAX_NOMINATED = 32;

    private HopByHopHeaders() {
    }

    /**
     * Removes the fixed hop-by-hop headers and every header that {@code Connection} names, but for the
     * names it may not withdraw (see the class comment).
     *
     * @param headers a message's headers, changed in place
     */
    public static void strip(HttpHeaders headers) {
        stripNominated(headers);
        stripFixed(headers);
    }

    /**
     * Removes the fixed hop-by-hop headers, {@code Connection} itself included: the second half of
     * {@link #strip}, for a message whose named headers {@link #stripNominated} already removed.
     *
     * @param headers a message's headers, changed in place
     */
    public static void stripFixed(HttpHeaders headers) {
        for (AsciiString name : FIXED) {
            headers.remove(name);
        }
    }

    /**
     * Removes only the headers that {@code Connection} names (but for the names it may not withdraw),
     * leaving {@code Connection} itself for whoever still reads {@code close} or {@code keep-alive} in it.
     * Done where a message's head is checked, so everything after sees the headers that will be forwarded.
     * At most {@link #MAX_NOMINATED} names are honoured; the rest are left, and the message should be refused.
     *
     * @param headers a message's headers, changed in place
     * @return {@code false} when {@code Connection} names more than {@link #MAX_NOMINATED} options
     */
    public static boolean stripNominated(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONNECTION)) {
            return true;
        }
        List<String> lines = headers.getAll(HttpHeaderNames.CONNECTION); // a copy: removing while iterating is not safe
        int budget = MAX_NOMINATED;
        for (int i = 0; i < lines.size(); i++) {
            budget = removeNamed(headers, lines.get(i), budget);
            if (budget < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Removes from a response's trailer section what may not travel there: hop-by-hop fields, the ones
     * {@code Connection} names, and fields that must come before the content (RFC 9110 §6.5.1).
     *
     * @param trailers the trailer fields, changed in place
     */
    public static void stripTrailers(HttpHeaders trailers) {
        if (trailers.isEmpty()) {
            return;
        }
        strip(trailers);
        for (AsciiString name : NOT_IN_TRAILERS) {
            trailers.remove(name);
        }
    }

    /** @return what is left of the budget of names; below zero once a name over the budget is met */
    private static int removeNamed(HttpHeaders headers, String tokens, int budget) {
        int start = 0;
        int n = tokens.length();
        while (start < n && budget >= 0) {
            int comma = tokens.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            String name = tokens.substring(start, end).trim();
            if (!name.isEmpty() && --budget >= 0 && mayBeNominated(name)) {
                headers.remove(name);
            }
            start = end + 1;
        }
        return budget;
    }

    private static boolean mayBeNominated(String name) {
        for (String never : NEVER_NOMINATED) {
            if (never.equalsIgnoreCase(name)) {
                return false;
            }
        }
        return !name.regionMatches(true, 0, GATEWAY_PREFIX, 0, GATEWAY_PREFIX.length());
    }
}
