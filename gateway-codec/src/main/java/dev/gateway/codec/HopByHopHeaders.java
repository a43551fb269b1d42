package dev.gateway.codec;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Headers that describe one connection, not the message: never forwarded in either direction.
 * Framing ({@code Transfer-Encoding}, {@code Connection}) is always the gateway's own on each side.
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

    private HopByHopHeaders() {
    }

    /** Removes the fixed hop-by-hop headers and every header that {@code Connection} names. */
    public static void strip(HttpHeaders headers) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (int i = 0; i < connection.size(); i++) {
            removeNamed(headers, connection.get(i));
        }
        for (AsciiString name : FIXED) {
            headers.remove(name);
        }
    }

    private static void removeNamed(HttpHeaders headers, String tokens) {
        int start = 0;
        int n = tokens.length();
        while (start < n) {
            int comma = tokens.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            String name = tokens.substring(start, end).trim();
            if (!name.isEmpty()) {
                headers.remove(name);
            }
            start = end + 1;
        }
    }
}
