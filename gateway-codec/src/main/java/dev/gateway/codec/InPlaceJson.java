package dev.gateway.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * JSON read straight out of a {@link ByteBuf} (a {@code CompositeByteBuf} of the decoder's own
 * buffers included): Jackson's non-blocking parser is fed the buffer's NIO views one after the other,
 * so the bytes are never copied into a {@code String} or {@code byte[]}, and the buffer is left as it
 * was, ready to be forwarded.
 *
 * <p>The factory is strict where a gateway must be: duplicate keys are an error (two parsers could
 * disagree on which one counts), and nesting depth is bounded. Invalid UTF-8 is an error too.
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
     */
    public static JsonParser parser(ByteBuf body) throws IOException {
        JsonParser async = FACTORY.createNonBlockingByteBufferParser();
        return new Feeding(async, body.nioBuffers());
    }

    /**
     * Hands the next NIO view to the non-blocking parser whenever it runs dry, so that callers (data
     * binding included) see an ordinary blocking parser that never returns {@code NOT_AVAILABLE}.
     */
    private static final class Feeding extends JsonParserDelegate {
        private final ByteBufferFeeder feeder;
        private final ByteBuffer[] parts;
        private int next;
        private boolean ended;

        Feeding(JsonParser async, ByteBuffer[] parts) {
            super(async);
            this.feeder = (ByteBufferFeeder) async.getNonBlockingInputFeeder();
            this.parts = parts;
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = delegate.nextToken();
            while (t == JsonToken.NOT_AVAILABLE) {
                feed();
                t = delegate.nextToken();
            }
            return t;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken t = nextToken();
            return t == JsonToken.FIELD_NAME ? nextToken() : t;
        }

        // The delegate's own next* shortcuts would call its nextToken(), not ours: route them here.
        @Override
        public String nextFieldName() throws IOException {
            return nextToken() == JsonToken.FIELD_NAME ? delegate.currentName() : null;
        }

        @Override
        public boolean nextFieldName(com.fasterxml.jackson.core.SerializableString name) throws IOException {
            return nextToken() == JsonToken.FIELD_NAME && name.getValue().equals(delegate.currentName());
        }

        @Override
        public String nextTextValue() throws IOException {
            return nextToken() == JsonToken.VALUE_STRING ? delegate.getText() : null;
        }

        @Override
        public int nextIntValue(int defaultValue) throws IOException {
            return nextToken() == JsonToken.VALUE_NUMBER_INT ? delegate.getIntValue() : defaultValue;
        }

        @Override
        public long nextLongValue(long defaultValue) throws IOException {
            return nextToken() == JsonToken.VALUE_NUMBER_INT ? delegate.getLongValue() : defaultValue;
        }

        @Override
        public Boolean nextBooleanValue() throws IOException {
            JsonToken t = nextToken();
            return t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
        }

        private void feed() throws IOException {
            while (next < parts.length) {
                ByteBuffer part = parts[next++];
                if (part.hasRemaining()) {
                    feeder.feedInput(part);
                    return;
                }
            }
            if (ended) { // cannot happen with Jackson's parser; never spin if it did
                throw new IOException("JSON parser wants input after the end");
            }
            ended = true;
            feeder.endOfInput();
        }
    }
}
