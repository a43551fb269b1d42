package dev.gateway.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.util.ByteProcessor;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;

/**
 * JSON read out of a {@link ByteBuf} (a {@code CompositeByteBuf} of the decoder's own buffers included)
 * without building a {@code String} or a {@code byte[]} of the body: Jackson's blocking UTF-8 parser reads
 * a stream view of the buffer in windows of its own recycled input buffer, and the buffer is left as it
 * was (indexes untouched), ready to be forwarded.
 *
 * <p>The factory is strict where a gateway must be: duplicate keys are an error (two parsers could
 * disagree on which one counts), and nesting depth is bounded. The body must be UTF-8 as RFC 3629 defines
 * it (no overlong forms, no surrogates, nothing above U+10FFFF): it is checked whole before parsing, so
 * no byte sequence that is not UTF-8 can be read as a name or string the parser has seen before. One
 * leading byte order mark is skipped, as RFC 8259 §8.1 allows; a second is an error.
 *
 * <p>Jackson's non-blocking parser would read the NIO views without even that windowed copy, but it
 * misreads input split across views and at the end of input (a {@code }} after a view boundary taken
 * for a value, {@code 2.} read as a number); the blocking parser is the one everyone runs.
 */
public final class InPlaceJson {
    /** Deeper JSON than this is refused: no contract body needs it, and deep trees cost stack. */
    public static final int MAX_DEPTH = 128;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    private InPlaceJson() {
    }

    /** The factory behind {@link #parser}, for binding the parser's tokens to a tree. */
    public static JsonFactory factory() {
        return FACTORY;
    }

    /**
     * A parser over the readable bytes of {@code body}; reading does not move the buffer's indexes.
     * The caller keeps ownership of the buffer and must not release it before closing the parser.
     *
     * @param body the JSON text, UTF-8
     * @return a parser positioned before the first token
     * @throws CharConversionException when the body is not UTF-8
     * @throws IOException when the parser cannot be made
     */
    public static JsonParser parser(ByteBuf body) throws IOException {
        Utf8Check utf8 = new Utf8Check();
        if (body.forEachByte(utf8) >= 0 || !utf8.complete()) {
            throw new CharConversionException("invalid UTF-8");
        }
        return FACTORY.createParser((InputStream) new ByteBufInputStream(body.duplicate())); // (it is a DataInput too)
    }

    /**
     * RFC 3629 UTF-8, byte by byte, as Unicode's table of well-formed sequences (The Unicode Standard,
     * Table 3-7) has it: no overlong forms, no surrogates, nothing above U+10FFFF. Fed by
     * {@link ByteBuf#forEachByte}, which walks a composite's components in place.
     */
    private static final class Utf8Check implements ByteProcessor {
        /** Continuation bytes still wanted, and the range the next one must be in. */
        private int need;
        private int low = 0x80;
        private int high = 0xBF;

        @Override
        public boolean process(byte b) {
            int v = b & 0xFF;
            if (need == 0) {
                if (v < 0x80) {
                    return true;
                }
                if (v >= 0xC2 && v <= 0xDF) {
                    expect(1, 0x80, 0xBF);
                } else if (v == 0xE0) {
                    expect(2, 0xA0, 0xBF); // below A0 would be overlong
                } else if (v == 0xED) {
                    expect(2, 0x80, 0x9F); // above 9F would be a surrogate
                } else if (v >= 0xE1 && v <= 0xEF) {
                    expect(2, 0x80, 0xBF);
                } else if (v == 0xF0) {
                    expect(3, 0x90, 0xBF); // below 90 would be overlong
                } else if (v >= 0xF1 && v <= 0xF3) {
                    expect(3, 0x80, 0xBF);
                } else if (v == 0xF4) {
                    expect(3, 0x80, 0x8F); // above 8F would be past U+10FFFF
                } else {
                    return false; // 80-C1 as a lead byte, F5-FF
                }
                return true;
            }
            if (v < low || v > high) {
                return false;
            }
            expect(need - 1, 0x80, 0xBF);
            return true;
        }

        private void expect(int bytes, int low, int high) {
            this.need = bytes;
            this.low = low;
            this.high = high;
        }

        /** No sequence cut short at the end. */
        boolean complete() {
            return need == 0;
        }
    }
}
