package dev.gateway.core.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A body as a difference's value when it is not compared structurally: its text when it is short, valid
 * UTF-8 and complete; otherwise {@code {"bytes": N, "sha256": "<hex>"}}, with {@code "truncated": true}
 * when the capture cut it (N and the hash are then of the captured bytes).
 */
final class BodySummary {
    /** The longest body, in bytes, summarised as its text. */
    static final int TEXT_BYTES = 256;

    private BodySummary() {
    }

    static JsonNode of(byte[] body, boolean truncated) {
        if (!truncated && body.length <= TEXT_BYTES) {
            String text = utf8(body, 0, body.length);
            if (text != null) {
                return JsonNodeFactory.instance.textNode(text);
            }
        }
        ObjectNode summary = JsonNodeFactory.instance.objectNode();
        summary.put("bytes", body.length);
        summary.put("sha256", sha256(body));
        if (truncated) {
            summary.put("truncated", true);
        }
        return summary;
    }

    /** The bytes as text if they are valid UTF-8, else {@code null}. */
    static String utf8(byte[] bytes, int offset, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
