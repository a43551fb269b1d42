package dev.gateway.codec;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * How a client's request is framed, and the checks that close the doors to request smuggling beyond
 * what the decoder already refuses: a request whose framing or host two parsers could read differently
 * is never forwarded.
 *
 * <p>The decoder ({@link #decoderConfig}) is Netty's, held to RFC 9112: lines end in CRLF (§2.2), no
 * whitespace before a field's colon (§5.1), field values without CR, LF, NUL or other controls (RFC 9110
 * §5.5), {@code Content-Length} with {@code Transfer-Encoding} refused (§6.1), two {@code Content-Length}s
 * refused (§6.3), chunk sizes and extensions strictly read (§7.1). On top of that {@link #violation}
 * refuses transfer codings other than exactly {@code chunked} (§6.1, §6.3: the gateway cannot frame
 * them), {@code Transfer-Encoding} in HTTP/1.0 (§6.1), versions other than 1.0 and 1.1 (§2.3), an obs-fold
 * line of white space alone (§5.2), a missing or repeated {@code Host} in HTTP/1.1 and
 * a {@code Host} that is not a valid, non-empty authority (§3.2; RFC 9110 §4.2.1).
 */
public final class RequestFraming {
    private RequestFraming() {
    }

    /**
     * The client decoder's configuration: the strict RFC 9112 readings set explicitly, so no system
     * property can loosen them.
     *
     * @param maxInitialLineBytes longest request line (bytes)
     * @param maxHeaderBytes largest header block (bytes)
     * @param maxChunkBytes largest body part handed on at once (bytes)
     */
    public static HttpDecoderConfig decoderConfig(int maxInitialLineBytes, int maxHeaderBytes, int maxChunkBytes) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(maxInitialLineBytes)
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxChunkSize(maxChunkBytes)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false);
    }

    /**
     * Checks a decoded request head.
     *
     * @param request a request the decoder read without failure
     * @return why the request's framing is refused, or {@code null} when it is sound
     */
    public static String violation(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return "unsupported http version"; // no client speaks HTTP/1.2; refused rather than guessed at
        }
        HttpHeaders headers = request.headers();
        String te = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
        if (te != null) {
            if (!"chunked".equalsIgnoreCase(te.trim()) || repeated(headers, HttpHeaderNames.TRANSFER_ENCODING)) {
                return "unsupported transfer-encoding";
            }
            if (version.equals(HttpVersion.HTTP_1_0)) {
                return "transfer-encoding in an HTTP/1.0 request";
            }
        }
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST); // (a list the compiler keeps off the heap, as measured)
        if (hosts.isEmpty()) {
            if (version.equals(HttpVersion.HTTP_1_1)) {
                return "missing host header";
            }
        } else if (hosts.size() > 1) {
            return "more than one host header";
        } else if (!Authority.isValid(hosts.get(0))) {
            // Empty is a valid Host only for a target URI without authority (RFC 9112 §3.2), which an http URI
            // never is: its host must not be empty (RFC 9110 §4.2.1).
            return "invalid host header";
        }
        return foldedValue(headers) ? "obs-fold with an empty line" : null;
    }

    /**
     * Whether a field value ends in white space: the decoder trims values, so only an obs-fold line of
     * white space alone (joined as a space) leaves any. The gateway would read such a value differently
     * from a recipient that trims it; RFC 9112 §5.2 allows refusing obs-fold with 400.
     */
    private static boolean foldedValue(HttpHeaders headers) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence value = it.next().getValue();
            int n = value.length();
            if (n > 0 && (value.charAt(n - 1) == ' ' || value.charAt(n - 1) == '\t')) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a field present in {@code headers} has more than one line (without building a list of them).
     *
     * @param name a field {@code headers} holds at least once
     */
    public static boolean repeated(HttpHeaders headers, CharSequence name) {
        Iterator<String> lines = headers.valueStringIterator(name);
        lines.next();
        return lines.hasNext();
    }
}
