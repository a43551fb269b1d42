package dev.gateway.codec.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gateway.codec.InPlaceJson;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link InPlaceJson} against a reference: the bytes, cut into the components of a
 * {@code CompositeByteBuf} where the fuzzer says, must be accepted exactly when Jackson's ordinary
 * {@link ObjectMapper#readTree} accepts them with the same strictness (duplicate keys refused, the
 * same depth limit, nothing after the value) after a strict UTF-8 decoding, and must give the same tree.
 * InPlaceJson may throw nothing but the {@link IOException}s its parser documents, must leave the
 * buffer's indexes and reference count as they were, and no buffer may leak.
 *
 * <p>Input layout (so that a seed file is mostly the JSON itself):
 * <ul>
 *   <li>byte 0, the shape: bits 0–2 the number of cuts {@code n} (0–7), bit 3 direct components (else
 *       heap), bit 4 each component starts with a junk byte its reader index skips, bit 5 the composite
 *       starts with a junk component its reader index skips;
 *   <li>the next {@code n} bytes: the length of each component before a cut, in their low 5 bits
 *       ({@code '`'} or {@code '@'} is 0, an empty component; {@code 'a'}–{@code 'z'} are 1–26);
 *   <li>the rest: the JSON body.
 * </ul>
 * A seed starting {@code "0"} is one heap component with a junk byte before it; seeds:
 * {@code InPlaceJsonFuzzTestInputs/parse/} beside this class.
 *
 * <p>The reference is {@code readTree(byte[])} on the same bytes, after two checks of its own: the
 * bytes (but for one leading byte order mark, which Jackson skips) must be strict UTF-8, as Jackson's
 * own UTF-8 decoding is not (overlong forms pass it); and a NUL byte, never part of JSON text, is
 * refused up front, as it would make Jackson's encoding detection read the bytes as UTF-16 or UTF-32
 * ({@code 00 7B 00 7D} as {@code {}}) where InPlaceJson reads UTF-8 only. Parsing text instead of bytes
 * would not do: Jackson's byte parsers refuse an escaped lone surrogate in a field name
 * ({@code {"\\ude00":1}}), its text parser takes it.
 *
 * <p>Differences from the reference that are not findings:
 * <ul>
 *   <li>A body of whitespace only (or empty) is "no value" for both (InPlaceJson's tree reader returns
 *       {@code null}, the reference a missing node); ContractValidation does not parse an empty body.
 *   <li>The failure itself may differ (message, exception class, which of several faults is named):
 *       only accepting or refusing, and the tree, are compared.
 *   <li>An escaped high surrogate not followed by an escaped low one ({@code "\\ud833x"}) in a field name:
 *       InPlaceJson's stream parser refuses it where the reference, reading a {@code byte[]}, takes the lone
 *       surrogate. Refusing is the safe side (RFC 8259 §8.2: such a name means different things to
 *       different parsers).
 * </ul>
 */
@ExtendWith(LeakGuard.class)
class InPlaceJsonFuzzTest {
    /** Binds InPlaceJson's tokens to a tree the way ContractValidation does. */
    private static final ObjectMapper IN_PLACE_TREES = new ObjectMapper(InPlaceJson.factory());

    /** The reference: a plain mapper, as strict as InPlaceJson says it is. */
    private static final ObjectMapper REFERENCE = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(InPlaceJson.MAX_DEPTH).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** JSON's words and the byte sequences around the parser's edge cases, for the fuzzer's mutations. */
    @DictionaryEntries({"true", "false", "null", "\\u", "\\ud83d\\ude00", "\\u0000", "1e", "E-", ".5", "-0",
        "\uFEFF", "\":", "\",\"", "{\"", "[[[[", "]]]]", "9223372036854775808"})
    @FuzzTest(maxDuration = "20s")
    void parse(byte[] input) {
        int shape = input.length > 0 ? input[0] & 0xff : 0;
        int cutCount = Math.min(shape & 7, Math.max(input.length - 1, 0));
        int[] lengths = new int[cutCount];
        for (int i = 0; i < cutCount; i++) {
            lengths[i] = input[1 + i] & 0x1f;
        }
        byte[] json = Arrays.copyOfRange(input, Math.min(1 + cutCount, input.length), input.length);
        check(json, lengths, (shape & 8) != 0, (shape & 16) != 0, (shape & 32) != 0);
    }

    /** The invariants for one body, cut into components of the given lengths (the rest in the last). */
    static void check(byte[] json, int[] lengths, boolean direct, boolean junkPerComponent, boolean junkComponent) {
        TrackingAllocator alloc = new TrackingAllocator();
        CompositeByteBuf body = alloc.compositeBuffer(lengths.length + 2);
        try {
            if (junkComponent) {
                ByteBuf junk = component(alloc, direct).writeBytes(new byte[] {'[', '"', '\\'});
                body.addComponent(true, junk);
            }
            int from = 0;
            for (int i = 0; i <= lengths.length; i++) {
                int to = i < lengths.length ? Math.min(from + lengths[i], json.length) : json.length;
                ByteBuf part = component(alloc, direct);
                if (junkPerComponent) {
                    part.writeByte('}').readerIndex(1);
                }
                part.writeBytes(json, from, to - from);
                body.addComponent(true, part);
                from = to;
            }
            if (junkComponent) {
                body.readerIndex(3);
            }
            int reader = body.readerIndex();
            int writer = body.writerIndex();

            Outcome actual = inPlace(body);
            if (body.readerIndex() != reader || body.writerIndex() != writer || body.refCnt() != 1) {
                throw new AssertionError("InPlaceJson moved the buffer's indexes or changed its count");
            }
            Outcome expected = reference(json);
            if (actual.accepted() != expected.accepted() && !strictAboutSurrogates(actual, expected)) {
                throw new AssertionError((actual.accepted() ? "accepted" : "refused") + " by InPlaceJson ("
                        + actual + ") but " + (expected.accepted() ? "accepted" : "refused") + " by the reference ("
                        + expected + "): " + Printable.of(json) + " in parts " + Arrays.toString(lengths));
            }
            if (actual.accepted() && !actual.tree.equals(expected.tree)) {
                throw new AssertionError("different trees: " + actual + " vs " + expected + " for "
                        + Printable.of(json));
            }
        } finally {
            body.release();
        }
        alloc.assertAllReleased();
    }

    private static ByteBuf component(TrackingAllocator alloc, boolean direct) {
        return direct ? alloc.directBuffer(16) : alloc.heapBuffer(16);
    }

    /** What came of parsing: a tree, or why there was none. */
    private static boolean strictAboutSurrogates(Outcome actual, Outcome expected) {
        return !actual.accepted() && expected.accepted() && actual.refusal.contains("surrogate");
    }

    record Outcome(JsonNode tree, String refusal) {
        boolean accepted() {
            return tree != null;
        }

        @Override
        public String toString() {
            return Printable.of(accepted() ? tree.toString() : refusal);
        }
    }

    /** InPlaceJson as ContractValidation uses it: one value, and nothing after it. */
    static Outcome inPlace(ByteBuf body) {
        try (JsonParser parser = InPlaceJson.parser(body)) {
            JsonNode tree = IN_PLACE_TREES.readTree(parser);
            if (tree == null) {
                return new Outcome(null, "no value");
            }
            if (parser.nextToken() != null) {
                return new Outcome(null, "content after the value");
            }
            return new Outcome(tree, null);
        } catch (IOException documented) {
            return new Outcome(null, documented.getClass().getSimpleName() + ": " + firstLine(documented.getMessage()));
        }
        // anything else (a RuntimeException, an Error) goes on up: a finding
    }

    static Outcome reference(byte[] json) {
        int start = json.length >= 3 && (json[0] & 0xff) == 0xef && (json[1] & 0xff) == 0xbb
                && (json[2] & 0xff) == 0xbf ? 3 : 0;
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json, start, json.length - start));
        } catch (CharacterCodingException e) {
            return new Outcome(null, "not UTF-8");
        }
        for (byte b : json) {
            if (b == 0) { // never in JSON text; and it would send Jackson's encoding detection to UTF-16 or -32
                return new Outcome(null, "NUL byte");
            }
        }
        try {
            JsonNode tree = REFERENCE.readTree(json);
            if (tree == null || tree.isMissingNode()) {
                return new Outcome(null, "no value");
            }
            return new Outcome(tree, null);
        } catch (IOException e) {
            return new Outcome(null, e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
