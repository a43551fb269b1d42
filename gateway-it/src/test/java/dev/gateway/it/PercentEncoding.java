package dev.gateway.it;

import java.nio.charset.StandardCharsets;

/** Percent-encodes everything but RFC 3986's unreserved characters, for paths and query values alike. */
final class PercentEncoding {
    private PercentEncoding() {
    }

    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == '~')) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
