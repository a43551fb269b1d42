package dev.gateway.codec;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * Checks that close the doors to request smuggling beyond what Netty's decoder already refuses
 * (conflicting {@code Content-Length}s, bad header syntax): a request whose framing two parsers could
 * read differently is never forwarded.
 */
public final class RequestFraming {
    private RequestFraming() {
    }

    /** @return why the request's framing is refused, or {@code null} when it is sound */
    public static String violation(HttpRequest request) {
        HttpHeaders headers = request.headers();
        List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            if (te.size() != 1 || !"chunked".equalsIgnoreCase(te.get(0).trim())) {
                return "unsupported transfer-encoding";
            }
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return "transfer-encoding in an HTTP/1.0 request";
            }
        }
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "more than one host header";
        }
        if (hosts.isEmpty() && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return "missing host header";
        }
        return null;
    }
}
