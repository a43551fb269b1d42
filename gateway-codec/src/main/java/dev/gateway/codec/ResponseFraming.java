package dev.gateway.codec;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;

/**
 * The checks on an upstream's response head that its decoder does not make. The decoder (held to RFC
 * 9112 like the client's, see {@link RequestFraming}) already refuses {@code Content-Length} with
 * {@code Transfer-Encoding}, two lengths, bad chunk sizes and broken lines.
 */
public final class ResponseFraming {
    private ResponseFraming() {
    }

    /**
     * @param response a response head its decoder read without failure
     * @return why the response cannot be relayed, or {@code null} when it can
     */
    public static String violation(HttpResponse response) {
        List<String> te = response.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty() && (te.size() != 1 || !"chunked".equalsIgnoreCase(te.get(0).trim()))) {
            // A coding under (or instead of) chunked would reach the client still applied, but undeclared:
            // the gateway's own framing names only chunked (RFC 9112 §6.1).
            return "upstream response has an unsupported transfer-encoding";
        }
        return null;
    }
}
