package dev.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.CharConversionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakGuard.class)
class InPlaceJsonTest {
    private static final ObjectMapper TREES = new ObjectMapper(InPlaceJson.factory());

    /** The text cut into one component per {@code step} bytes (so multi-byte characters straddle them). */
    private static CompositeByteBuf split(byte[] bytes, int step) {
        CompositeByteBuf body = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        for (int i = 0; i < bytes.length; i += step) {
            body.addComponent(true, Unpooled.directBuffer(step).writeBytes(bytes, i, Math.min(step, bytes.length - i)));
        }
        return body;
    }

    private static JsonNode read(ByteBuf body) throws IOException {
        try (var parser = InPlaceJson.parser(body)) {
            return TREES.readTree(parser);
        } finally {
            body.release();
        }
    }

    @Test
    void everyWellFormedSequenceIsReadWhereverTheComponentsMeet() throws IOException {
        String text = "{\"s\":\"a\u00e9\u0800\u20ac\ud7ff\ue000\uffff\ud800\udc00\ud83d\ude00\udbff\udfff\"}";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int step = 1; step <= 5; step++) {
            CompositeByteBuf body = split(bytes, step);
            int reader = body.readerIndex();
            JsonNode tree = read(body.retain());
            assertEquals(reader, body.readerIndex(), "the buffer's indexes are left as they were");
            body.release();
            assertEquals(text.substring(6, text.length() - 2), tree.get("s").asText());
        }
    }

    @Test
    void illFormedSequencesAreRefusedAsNotUtf8() {
        String[] hex = {"c1bf", "e09fbf", "eda080", "f08fbfbf", "f4908080", "f5808080", "80", "c3", "e282", "ff"};
        for (String h : hex) {
            byte[] bad = java.util.HexFormat.of().parseHex("22" + h + "22");
            ByteBuf body = split(bad, 1);
            CharConversionException e = assertThrows(CharConversionException.class, () -> read(body), h);
            assertEquals("invalid UTF-8", e.getMessage());
        }
    }

    @Test
    void oneByteOrderMarkIsSkippedASecondIsNot() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        assertEquals("{}", read(Unpooled.wrappedBuffer(bom, "{}".getBytes(StandardCharsets.US_ASCII))).toString());
        assertThrows(IOException.class, () -> read(Unpooled.wrappedBuffer(bom, bom, "{}".getBytes(StandardCharsets.US_ASCII))));
    }
}
