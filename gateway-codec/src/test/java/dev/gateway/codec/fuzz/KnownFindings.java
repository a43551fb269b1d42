package dev.gateway.codec.fuzz;

/**
 * What the fuzz tests found that is not fixed yet. Each fuzz test steps around the inputs of a known
 * finding (so that fuzzing goes on finding other things rather than this one again), and
 * {@link FuzzFindingsTest} holds each finding as a plain test, disabled until its fix is in. When a fix
 * lands: enable its test and remove its predicate here.
 *
 * <p>{@code -Dfuzz.strict=true} steps around nothing: every known finding fails again.
 */
final class KnownFindings {
    private static final boolean STRICT = Boolean.getBoolean("fuzz.strict");

    private KnownFindings() {
    }

    /**
     * J1: InPlaceJson (Jackson's non-blocking UTF-8 parser) decodes overlong forms ({@code C0 AF} is
     * {@code "/"}, {@code C0 80} a NUL) and sequences above U+10FFFF ({@code F4 90..}, leads
     * {@code F5}–{@code F7}) instead of refusing them as invalid UTF-8.
     */
    static boolean lenientUtf8(byte[] json) {
        if (STRICT) {
            return false;
        }
        for (int i = 0; i < json.length; i++) {
            int b = json[i] & 0xff;
            int next = i + 1 < json.length ? json[i + 1] & 0xff : -1;
            if (b == 0xc0 || b == 0xc1 || (b >= 0xf5 && b <= 0xf7)
                    || (b == 0xe0 && next >= 0x80 && next <= 0x9f)
                    || (b == 0xf0 && next >= 0x80 && next <= 0x8f)
                    || (b == 0xf4 && next >= 0x90 && next <= 0xbf)) {
                return true;
            }
        }
        return false;
    }

    /**
     * J2: InPlaceJson skips a byte order mark anywhere among the white space before the value: several
     * ({@code EF BB BF EF BB BF 7B 7D} is {@code {}}), or one after white space when the body's components
     * meet between them ({@code " " | EF BB BF 7B 7D}). Jackson's ordinary parser skips one, at the very
     * start.
     */
    static boolean extraByteOrderMark(byte[] json) {
        if (STRICT) {
            return false;
        }
        int i = 0;
        while (i < json.length) {
            if (isBom(json, i)) {
                if (i > 0) {
                    return true;
                }
                i += 3;
            } else if (isJsonSpace(json[i])) {
                i++;
            } else {
                break;
            }
        }
        return false;
    }

    /**
     * J8: a byte order mark that ends a component of the body, followed by white space in the next
     * ({@code EF BB BF | " " | 7B 7D}), makes Jackson's non-blocking parser throw
     * {@code RuntimeException("Internal error: this code path should never get executed")}, not the
     * parser's {@code IOException}: ContractValidation then neither answers nor releases the body.
     *
     * @param cuts where the components meet, as offsets into {@code json}
     */
    static boolean byteOrderMarkBeforeCut(byte[] json, int[] cuts) {
        if (STRICT) {
            return false;
        }
        int i = 0;
        boolean bom = false;
        while (i < json.length) {
            if (isBom(json, i)) {
                bom = true;
                i += 3;
            } else if (isJsonSpace(json[i])) {
                i++;
            } else {
                break;
            }
        }
        for (int cut : cuts) {
            if (bom && cut > 0 && cut <= i) {
                return true;
            }
        }
        return false;
    }

    private static boolean isBom(byte[] b, int at) {
        return at + 3 <= b.length && (b[at] & 0xff) == 0xef && (b[at + 1] & 0xff) == 0xbb
                && (b[at + 2] & 0xff) == 0xbf;
    }

    /**
     * J3, J4: a number at the very end of the body that stops after its decimal point or after its
     * exponent's sign: InPlaceJson takes {@code 2.} as 2.0 (J3), and {@code 2e+} gives a token whose value
     * then throws {@link NumberFormatException}, not the parser's {@code IOException} (J4). Followed by
     * anything (even a space) both are refused as they should be.
     */
    static boolean truncatedNumberAtEnd(byte[] json) {
        if (STRICT || json.length < 2) {
            return false;
        }
        int last = json[json.length - 1];
        int before = json[json.length - 2];
        return (last == '.' && before >= '0' && before <= '9')
                || ((last == '+' || last == '-') && (before == 'e' || before == 'E'));
    }

    /**
     * J5: when a component of the body ends right after an object's {@code :} or {@code ,} (white space
     * aside) and the next starts with {@code }}, Jackson's non-blocking parser takes the {@code }} where
     * it wants a value or a name: {@code {"p":|}} reads as {@code {"p":{}}} and {@code {"a":1,|}} as
     * {@code {"a":1}}. A client chooses where its body is cut by when it sends the bytes.
     *
     * @param cuts where the components meet, as offsets into {@code json}
     */
    static boolean objectEndAtCut(byte[] json, int[] cuts) {
        if (STRICT) {
            return false;
        }
        for (int cut : cuts) {
            int before = cut - 1;
            while (before >= 0 && isJsonSpace(json[before])) {
                before--;
            }
            int after = cut;
            while (after < json.length && isJsonSpace(json[after])) {
                after++;
            }
            if (before >= 0 && (json[before] == ':' || json[before] == ',') && after < json.length
                    && json[after] == '}') {
                return true;
            }
        }
        return false;
    }

    private static boolean isJsonSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    /**
     * J6: a field name whose bytes, padded the way Jackson pads a name's last partial four-byte group
     * (with {@code 0xFF}, a byte UTF-8 never has), equal those of a name the shared factory has already
     * seen is taken for that name without its bytes being decoded: once any body had {@code "admin"},
     * {@code {"admi\xFF\xFF\xFFn":1}} reads as {@code {"admin":1}} instead of being refused. What a body
     * means then depends on the bodies before it; the upstream never reads it as {@code "admin"}.
     */
    static boolean byteFF(byte[] json) {
        if (STRICT) {
            return false;
        }
        for (byte b : json) {
            if (b == (byte) 0xff) {
                return true;
            }
        }
        return false;
    }

    /**
     * F2: an obs-fold line with nothing but white space ({@code "X: v\r\n \r\n"}) leaves white space at
     * the end of the field value ({@code "v "}): the decoder joins folded lines with a space and trims
     * only the folded line. The gateway reads and forwards {@code "v "}; the upstream, which trims
     * (RFC 9110 §5.5), reads {@code "v"}. For {@code Transfer-Encoding} the guard trims too, so the two
     * agree on chunked; still, a value means one thing to the gateway and another upstream.
     */
    static boolean trailingWhitespace(String value) {
        if (STRICT || value.isEmpty()) {
            return false;
        }
        char last = value.charAt(value.length() - 1);
        return last == ' ' || last == '\t';
    }

    /**
     * F1: the decoder reads a request target's bytes as ISO-8859-1, the encoder writes it as UTF-8,
     * and the guard lets bytes above 0x7F through in the query: a target holding one reaches the
     * upstream with other bytes than the client sent ({@code ?q=\xE9} becomes {@code ?q=\xC3\xA9}).
     */
    static boolean nonAsciiTarget(String uri) {
        if (STRICT) {
            return false;
        }
        for (int i = 0; i < uri.length(); i++) {
            if (uri.charAt(i) >= 0x80) {
                return true;
            }
        }
        return false;
    }
}
