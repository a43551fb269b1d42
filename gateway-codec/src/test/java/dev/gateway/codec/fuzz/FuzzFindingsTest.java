package dev.gateway.codec.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.codec.InPlaceJson;
import dev.gateway.codec.InvalidRequestTargetException;
import dev.gateway.codec.RequestFraming;
import dev.gateway.codec.RequestTarget;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the fuzz tests found, each minimised to a plain test of the behaviour wanted. */
@ExtendWith(LeakGuard.class)
class FuzzFindingsTest {
    /** Binds InPlaceJson's tokens to a tree as ContractValidation does. */
    private static final ObjectMapper TREES = new ObjectMapper(InPlaceJson.factory());

    /** @param hex the body in hex; {@code |} where one component of the body ends and the next starts */
    private static void assertRefusedByInPlaceJson(String hex) {
        CompositeByteBuf body = Unpooled.compositeBuffer();
        for (String part : hex.split("\\|", -1)) {
            body.addComponent(true, Unpooled.wrappedBuffer(HexFormat.of().parseHex(part.replace(" ", ""))));
        }
        try {
            assertThrows(IOException.class, () -> {
                try (var parser = InPlaceJson.parser(body)) {
                    while (parser.nextToken() != null) {
                        // read to the end: the whole body must be refused, wherever the fault is
                    }
                }
            }, () -> "InPlaceJson accepted " + hex);
        } finally {
            body.release();
        }
    }

    /** J1: overlong UTF-8 and code points above U+10FFFF are not UTF-8 ("Invalid UTF-8 is an error too"). */
    @ParameterizedTest
    @ValueSource(strings = {
        "5b 22 c0 af 22 5d",          // ["<overlong />"] read as ["/"]
        "5b 22 c0 80 22 5d",          // ["<overlong NUL>"] read as ["\u0000"]
        "5b 22 e0 80 af 22 5d",       // three-byte overlong "/"
        "5b 22 f0 80 80 af 22 5d",    // four-byte overlong "/"
        "7b 22 c0 af 22 3a 31 7d",    // {"<overlong />":1}: in a key too
        "5b 22 f4 90 80 80 22 5d",    // U+110000
        "5b 22 f5 80 80 80 22 5d",    // lead byte F5
    })
    void invalidUtf8IsRefused(String hex) {
        assertRefusedByInPlaceJson(hex);
    }

    /** J2: Jackson's ordinary parser skips one leading byte order mark, and no other. */
    @ParameterizedTest
    @ValueSource(strings = {
        "ef bb bf ef bb bf 7b 7d",            // two BOMs, then {}
        "ef bb bf ef bb bf ef bb bf 5b 5d",   // three, then []
        "20|ef bb bf 7b 7d",                  // a space, and in the next component a BOM, then {}
    })
    void byteOrderMarkOnlyAtTheStart(String hex) {
        assertRefusedByInPlaceJson(hex);
    }

    /** J3: a number cut short after its decimal point is not JSON, at the end of the body too. */
    @ParameterizedTest
    @ValueSource(strings = {"2.", "-1.", "0."})
    void numberEndingInADecimalPointIsRefused(String json) {
        assertRefusedByInPlaceJson(HexFormat.of().formatHex(json.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * J4: a number cut short after its exponent's sign, at the end of the body, must be refused with the
     * parser's {@link IOException}; instead reading its value throws {@link NumberFormatException}, which
     * ContractValidation (which catches the IOExceptions) lets through with the held body unreleased.
     */
    @ParameterizedTest
    @ValueSource(strings = {"2e+", "1E-", "2.5e+", "-0e-"})
    void numberEndingInAnExponentSignIsRefusedWithAnIOException(String json) {
        ByteBuf body = Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.US_ASCII));
        try {
            assertThrows(IOException.class, () -> {
                try (var parser = InPlaceJson.parser(body)) {
                    TREES.readTree(parser);
                }
            });
        } finally {
            body.release();
        }
    }

    /**
     * J5: a component boundary right after an object's {@code :} or {@code ,}, and a {@code }} after it:
     * the missing value or name must still be refused (it is, in one piece). Parts are separated by |.
     */
    @ParameterizedTest
    @ValueSource(strings = {"{\"p\":|}", "{\"a\":1,|}", "{\"p\": |}", "{\"a\":{\"p\":|}}", "{\"a\":1,\"b\":|}"})
    void objectEndAfterAComponentBoundaryIsRefused(String parts) {
        CompositeByteBuf body = Unpooled.compositeBuffer();
        for (String part : parts.split("\\|", -1)) {
            body.addComponent(true, Unpooled.copiedBuffer(part, StandardCharsets.UTF_8));
        }
        try {
            assertThrows(IOException.class, () -> {
                try (var parser = InPlaceJson.parser(body)) {
                    TREES.readTree(parser);
                    parser.nextToken();
                }
            }, () -> "InPlaceJson accepted " + parts);
        } finally {
            body.release();
        }
    }

    /**
     * J6: invalid UTF-8 in a field name is refused whatever names earlier bodies had. Jackson looks a
     * name up by its bytes, the last partial group padded with 0xFF, before decoding it; InPlaceJson's
     * factory is shared, so after one body with {@code "admin"} the bytes {@code admi FF FF FF n} are
     * taken for {@code "admin"} unchecked.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "7b 22 61 64 6d 69 ff ff ff 6e 22 3a 31 7d",   // {"admi\xFF\xFF\xFFn":1} after {"admin":0}
        "7b 22 ff 69 64 22 3a 31 7d",                   // {"\xFFid":1} after {"id":0}
    })
    void invalidNameIsRefusedAfterTheValidOneWasSeen(String hex) throws IOException {
        byte[] attack = HexFormat.of().parseHex(hex.replace(" ", ""));
        String name = new String(attack, StandardCharsets.ISO_8859_1).replace("\u00ff", "");
        ByteBuf primer = Unpooled.copiedBuffer(name.replace(":1}", ":0}"), StandardCharsets.US_ASCII);
        try (var parser = InPlaceJson.parser(primer)) {
            TREES.readTree(parser); // a body with the valid name: the shared factory now knows it
        } finally {
            primer.release();
        }
        assertRefusedByInPlaceJson(hex);
    }

    /**
     * J8: a component that ended with the byte order mark, then white space in the next, made Jackson's
     * non-blocking parser throw {@code RuntimeException("Internal error: this code path should never get
     * executed")}, which ContractValidation (which catches the IOExceptions) let through with the held
     * body unreleased. It must be an {@link IOException}, or the body must be read.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ef bb bf|20|7b 7d", "ef bb bf|20 20|7b 7d", "20|ef bb bf|20|20"})
    void byteOrderMarkBeforeAComponentBoundaryGivesNoRuntimeException(String hexParts) {
        CompositeByteBuf body = Unpooled.compositeBuffer();
        for (String part : hexParts.split("\\|", -1)) {
            body.addComponent(true, Unpooled.wrappedBuffer(HexFormat.of().parseHex(part.replace(" ", ""))));
        }
        try (var parser = InPlaceJson.parser(body)) {
            TREES.readTree(parser); // a tree (or none), or an IOException: both fine
        } catch (IOException refused) {
            // fine
        } finally {
            body.release();
        }
    }

    /**
     * J9: the body is UTF-8, so a NUL among its first bytes makes it JSON in no encoding the gateway
     * reads; Jackson's encoding detection instead reads it as UTF-16 or UTF-32, and the body the gateway
     * validated as {@code {"qty":1}} goes upstream as bytes that are no JSON in UTF-8.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "00 30",                                                  // 0 in UTF-16BE
        "00 7b 00 7d",                                            // {} in UTF-16BE
        "7b 00 7d 00",                                            // {} in UTF-16LE
        "00 00 00 7b 00 00 00 7d",                                // {} in UTF-32BE
        "00 7b 00 22 00 71 00 74 00 79 00 22 00 3a 00 31 00 7d",  // {"qty":1} in UTF-16BE
    })
    void bodyInUtf16OrUtf32IsRefused(String hex) {
        assertRefusedByInPlaceJson(hex);
    }

    /**
     * F2: an obs-fold line of white space only leaves white space at the end of the value; the gateway
     * would read and forward {@code "v "} where the upstream reads {@code "v"}. Such a request is refused,
     * or its values come without trailing white space.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: v\r\n \r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\t\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n \r\n\r\n",
    })
    void emptyObsFoldLeavesNoTrailingWhitespace(String raw) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(RequestFramingFuzzTest.decoderConfig()));
        try {
            ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
            HttpRequest r = ch.readInbound();
            if (r.decoderResult().isFailure() || RequestFraming.violation(r) != null) {
                return; // refused: one way to fix it
            }
            r.headers().forEach(e -> assertEquals(e.getValue().strip(), e.getValue(),
                    () -> "value of " + e.getKey() + ": " + Printable.of(e.getValue())));
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /**
     * F1: the target the gateway forwards reaches the upstream as the client sent it. The decoder reads
     * a target's bytes as ISO-8859-1 and the encoder writes UTF-8, so a byte above 0x7F in the query
     * (the path refuses them) changes on the way: the target must be refused instead, or sent as it came.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/v1/trades?q=\u00e9", "/v1/trades?\u00ff", "http://h/v1/trades?name=caf\u00e9"})
    void forwardedTargetKeepsTheClientsBytes(String uri) {
        RequestTarget target;
        try {
            target = RequestTarget.parse(uri);
        } catch (InvalidRequestTargetException refused) {
            return; // refusing is one way to fix it
        }
        String origin = uri.startsWith("/") ? uri : uri.substring(uri.indexOf('/', uri.indexOf("://") + 3));
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestEncoder());
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target.uri()));
        ByteBuf wire = ch.readOutbound();
        try {
            String line = wire.toString(StandardCharsets.ISO_8859_1);
            assertEquals("GET " + origin + " HTTP/1.1\r\n\r\n", line,
                    () -> "forwarded as " + Printable.of(ByteBufUtil.getBytes(wire)));
        } finally {
            wire.release();
            ch.finishAndReleaseAll();
        }
    }
}
