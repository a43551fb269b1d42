package dev.gateway.cli.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.capture.CaptureRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The default comparison: the status, the {@code Content-Type} header, and the body. A body both of
 * whose sides are JSON (either side's content type says so, and both parse) is compared as a tree, so
 * member order and white space do not count; any other body byte for byte. A body difference is reported
 * whole, at path {@code ""}.
 */
public final class SimpleComparison implements ResponseComparison {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public List<Difference> compare(CaptureRecord request, Response a, Response b) {
        List<Difference> out = new ArrayList<>(1);
        if (a.status() != b.status()) {
            out.add(new Difference(Kind.STATUS, "", Integer.toString(a.status()), Integer.toString(b.status())));
        }
        String typeA = a.headers().firstValue("content-type").orElse("");
        String typeB = b.headers().firstValue("content-type").orElse("");
        if (!typeA.equals(typeB)) {
            out.add(new Difference(Kind.HEADER, "/content-type", typeA, typeB));
        }
        if (!Arrays.equals(a.body(), b.body()) && !sameJson(typeA, typeB, a.body(), b.body())) {
            out.add(new Difference(Kind.BODY, "", text(a.body()), text(b.body())));
        }
        return out;
    }

    private static boolean sameJson(String typeA, String typeB, byte[] a, byte[] b) {
        if (!isJson(typeA) && !isJson(typeB)) {
            return false;
        }
        try {
            JsonNode ta = JSON.readTree(a);
            JsonNode tb = JSON.readTree(b);
            return ta != null && !ta.isMissingNode() && ta.equals(tb);
        } catch (IOException e) {
            return false; // not JSON after all: bytes decide
        }
    }

    private static boolean isJson(String contentType) {
        String t = contentType.toLowerCase(Locale.ROOT);
        int semicolon = t.indexOf(';');
        String media = (semicolon < 0 ? t : t.substring(0, semicolon)).trim();
        return media.equals("application/json") || media.endsWith("+json");
    }

    /** A body as text, as far as it is UTF-8 (what is not shows as U+FFFD). */
    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
