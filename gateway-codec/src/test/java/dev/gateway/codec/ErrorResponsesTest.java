package dev.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import dev.gateway.testing.LeakGuard;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(LeakGuard.class)
class ErrorResponsesTest {
    private static final JsonFactory JSON = new JsonFactory();

    private interface ResponseCheck {
        void check(FullHttpResponse response, byte[] body) throws Exception;
    }

    /** Hands the response and its body bytes to {@code check}, and always releases the response. */
    private static void inspect(FullHttpResponse response, ResponseCheck check) throws Exception {
        try {
            byte[] body = new byte[response.content().readableBytes()];
            response.content().getBytes(response.content().readerIndex(), body);
            check.check(response, body);
        } finally {
            assertTrue(response.release(), "response must be released exactly once, refCnt reaches 0");
            assertEquals(0, response.refCnt());
        }
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Parses a JSON value into maps, lists, strings, numbers, booleans and nulls, insisting on no trailing data. */
    private static Object parse(byte[] body) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            p.nextToken();
            Object value = read(p);
            assertNull(p.nextToken(), "trailing data after the JSON value");
            return value;
        }
    }

    private static Object read(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    assertFalse(m.containsKey(name), "duplicate field " + name);
                    m.put(name, read(p));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(read(p));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NULL:
                return null;
            default:
                throw new AssertionError("unexpected token " + t);
        }
    }

    @Test
    void legacyExampleIsReproducedByteForByte() throws Exception {
        FullHttpResponse r = ErrorResponses.create(UnpooledByteBufAllocator.DEFAULT, ErrorCode.VALIDATION_FAILED,
                "request does not match the contract", "01JD5Y8W3K4Q2M0N6P7R8S9T0V",
                List.of(new ErrorDetail("body/quantity", "must be > 0")));
        inspect(r, (response, body) -> {
            assertEquals(HttpResponseStatus.BAD_REQUEST, response.status());
            assertEquals(HttpVersion.HTTP_1_1, response.protocolVersion());
            assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            assertEquals(List.of("application/json"), response.headers().getAll(HttpHeaderNames.CONTENT_TYPE));
            assertEquals(Integer.toString(body.length), response.headers().get(HttpHeaderNames.CONTENT_LENGTH));
            assertEquals("{\"error\":{\"code\":\"VALIDATION_FAILED\",\"message\":\"request does not match the contract\","
                    + "\"requestId\":\"01JD5Y8W3K4Q2M0N6P7R8S9T0V\",\"details\":[{\"location\":\"body/quantity\","
                    + "\"message\":\"must be > 0\"}]}}", utf8(body));
        });
    }

    @Test
    void withoutDetailsTheFieldIsLeftOut() throws Exception {
        inspect(ErrorResponses.create(UnpooledByteBufAllocator.DEFAULT, ErrorCode.NOT_FOUND, "req-1"),
                (response, body) -> {
                    assertEquals(HttpResponseStatus.NOT_FOUND, response.status());
                    assertEquals("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no such path\","
                            + "\"requestId\":\"req-1\"}}", utf8(body));
                    assertEquals(body.length, response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
                });
        inspect(ErrorResponses.create(UnpooledByteBufAllocator.DEFAULT, ErrorCode.RATE_LIMITED, "slow down", "r2",
                List.of()), (response, body) -> {
                    assertEquals(429, response.status().code());
                    assertEquals("{\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"slow down\",\"requestId\":\"r2\"}}",
                            utf8(body));
                });
    }

    @Test
    void customMessageReplacesTheDefault() throws Exception {
        inspect(ErrorResponses.create(PooledByteBufAllocator.DEFAULT, ErrorCode.UNAUTHENTICATED, "token expired", "id"),
                (response, body) -> {
                    assertEquals(HttpResponseStatus.UNAUTHORIZED, response.status());
                    assertEquals(Map.of("error", Map.of("code", "UNAUTHENTICATED", "message", "token expired",
                            "requestId", "id")), parse(body));
                });
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void everyCodeHasItsStatusAndTheContractShape(ErrorCode code) throws Exception {
        inspect(ErrorResponses.create(ByteBufAllocator.DEFAULT, code, "rid-" + code.ordinal()), (response, body) -> {
            assertSame(code.status(), response.status());
            assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            assertEquals(body.length, response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", code.name());
            error.put("message", code.defaultMessage());
            error.put("requestId", "rid-" + code.ordinal());
            Object parsed = parse(body);
            assertEquals(Map.of("error", error), parsed);
            // field order is the contract's: code, message, requestId
            @SuppressWarnings("unchecked")
            Map<String, Object> e = (Map<String, Object>) ((Map<String, Object>) parsed).get("error");
            assertEquals(List.of("code", "message", "requestId"), List.copyOf(e.keySet()));
        });
    }

    @Test
    void statusesMatchTheLegacyTable() {
        Map<ErrorCode, Integer> table = new LinkedHashMap<>();
        table.put(ErrorCode.MALFORMED_BODY, 400);
        table.put(ErrorCode.VALIDATION_FAILED, 400);
        table.put(ErrorCode.UNAUTHENTICATED, 401);
        table.put(ErrorCode.FORBIDDEN, 403);
        table.put(ErrorCode.NOT_FOUND, 404);
        table.put(ErrorCode.METHOD_NOT_ALLOWED, 405);
        table.put(ErrorCode.REQUEST_TIMEOUT, 408);
        table.put(ErrorCode.PAYLOAD_TOO_LARGE, 413);
        table.put(ErrorCode.URI_TOO_LONG, 414);
        table.put(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 415);
        table.put(ErrorCode.RATE_LIMITED, 429);
        table.put(ErrorCode.HEADERS_TOO_LARGE, 431);
        table.put(ErrorCode.INTERNAL, 500);
        table.put(ErrorCode.BAD_GATEWAY, 502);
        table.put(ErrorCode.UPSTREAM_UNAVAILABLE, 503);
        table.put(ErrorCode.DRAINING, 503);
        table.put(ErrorCode.UPSTREAM_TIMEOUT, 504);
        assertEquals(ErrorCode.values().length, table.size());
        table.forEach((code, status) -> assertEquals(status, code.status().code(), code.name()));
        assertEquals("request does not match the contract", ErrorCode.VALIDATION_FAILED.defaultMessage());
    }

    @Test
    void detailsAreCappedAtTwenty() throws Exception {
        assertEquals(20, ErrorResponses.MAX_DETAILS);
        for (int count : new int[] {1, 19, 20, 21, 100}) {
            List<ErrorDetail> details = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                details.add(new ErrorDetail("query/p" + i, "bad " + i));
            }
            inspect(ErrorResponses.create(UnpooledByteBufAllocator.DEFAULT, ErrorCode.VALIDATION_FAILED,
                    "request does not match the contract", "r", details), (response, body) -> {
                        assertEquals(body.length, response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
                        @SuppressWarnings("unchecked")
                        Map<String, Object> error = (Map<String, Object>) ((Map<String, Object>) parse(body)).get("error");
                        @SuppressWarnings("unchecked")
                        List<Map<String, Object>> listed = (List<Map<String, Object>>) error.get("details");
                        int expected = Math.min(count, 20);
                        assertEquals(expected, listed.size(), "details for " + count + " violations");
                        for (int i = 0; i < expected; i++) {
                            // the first ones, in order
                            assertEquals(List.of("location", "message"), List.copyOf(listed.get(i).keySet()));
                            assertEquals("query/p" + i, listed.get(i).get("location"));
                            assertEquals("bad " + i, listed.get(i).get("message"));
                        }
                    });
        }
    }

    @Test
    void stringsAreJsonEscaped() throws Exception {
        String message = "say \"hi\" \\ back\nnew\tline\r\u0000\u0001\u001f end";
        inspect(ErrorResponses.create(UnpooledByteBufAllocator.DEFAULT, ErrorCode.MALFORMED_BODY, message, "r\"1",
                List.of(new ErrorDetail("body/a\"b", "x\ny"))), (response, body) -> {
                    String text = utf8(body);
                    assertEquals("{\"error\":{\"code\":\"MALFORMED_BODY\","
                            + "\"message\":\"say \\\"hi\\\" \\\\ back\\nnew\\tline\\r\\u0000\\u0001\\u001F end\","
                            + "\"requestId\":\"r\\\"1\","
                            + "\"details\":[{\"location\":\"body/a\\\"b\",\"message\":\"x\\ny\"}]}}", text);
                    for (byte b : body) {
                        assertTrue(b >= 0x20 || b < 0, "raw control byte " + b + " in body");
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> error = (Map<String, Object>) ((Map<String, Object>) parse(body)).get("error");
                    assertEquals(message, error.get("message"));
                    assertEquals("r\"1", error.get("requestId"));
                });
    }

    @Test
    void nonAsciiIsUtf8AndContentLengthCountsBytes() throws Exception {
        String message = "prix invalide: 10 \u20ac \u00e9 \ud83d\ude00";
        inspect(ErrorResponses.create(UnpooledByteBufAllocator.DEFAULT, ErrorCode.VALIDATION_FAILED, message, "r",
                List.of(new ErrorDetail("body/\u00e9", "\u4e2d"))), (response, body) -> {
                    assertTrue(body.length > utf8(body).length(), "multi-byte characters present");
                    assertEquals(body.length, response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
                    assertEquals(body.length, response.content().readableBytes());
                    @SuppressWarnings("unchecked")
                    Map<String, Object> error = (Map<String, Object>) ((Map<String, Object>) parse(body)).get("error");
                    assertEquals(message, error.get("message"));
                    assertEquals(List.of(Map.of("location", "body/\u00e9", "message", "\u4e2d")), error.get("details"));
                });
    }

    @Test
    void largeBodiesGrowTheBuffer() throws Exception {
        String big = "m".repeat(100_000);
        List<ErrorDetail> details = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            details.add(new ErrorDetail("body/" + "x".repeat(1000), big));
        }
        inspect(ErrorResponses.create(PooledByteBufAllocator.DEFAULT, ErrorCode.VALIDATION_FAILED, big, "r", details),
                (response, body) -> {
                    assertTrue(body.length > 20 * 100_000);
                    assertEquals(body.length, response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
                    @SuppressWarnings("unchecked")
                    Map<String, Object> error = (Map<String, Object>) ((Map<String, Object>) parse(body)).get("error");
                    assertEquals(big, error.get("message"));
                    assertEquals(20, ((List<?>) error.get("details")).size());
                });
    }

    @Test
    void errorDetailRefusesNulls() {
        assertThrows(NullPointerException.class, () -> new ErrorDetail(null, "m"));
        assertThrows(NullPointerException.class, () -> new ErrorDetail("l", null));
    }
}
