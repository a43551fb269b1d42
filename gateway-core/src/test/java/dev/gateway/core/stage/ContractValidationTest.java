package dev.gateway.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.codec.ErrorCode;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.RequestRefused;
import dev.gateway.core.stage.StageHarness.Answer;
import dev.gateway.testing.LeakGuard;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ContractValidation} alone, over the bundled contract's rules with small limits (JSON bodies
 * {@value StageFixture#MAX_JSON_BODY} bytes, other bodies {@value StageFixture#MAX_BODY}): the legacy
 * order of 413 (from the head), 415, 400 for parameters, then the JSON body held, parsed where it lies and
 * forwarded as the client's own bytes, or refused. Routing's work (target, operation) is given.
 */
@ExtendWith(LeakGuard.class)
class ContractValidationTest {
    private static final String TRADE_ORDER = "{\"clientOrderId\":\"ord-20261124-0001\",\"accountId\":\"ACC-00012345\","
            + "\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25,"
            + "\"timeInForce\":\"DAY\"}";
    private static final String ARTIFACT = "/v1/tasks/tsk_0123456789abcdefghij/artifacts/report.csv";

    private static StageFixture fixture;
    private StageHarness h;

    @BeforeAll
    static void parts() {
        fixture = new StageFixture();
    }

    @AfterAll
    static void closeParts() {
        fixture.close();
    }

    @BeforeEach
    void validation() {
        h = new StageHarness(fixture, fixture.routed(), s -> new ContractValidation(s.exchanges));
    }

    @AfterEach
    void everyBufferReleased() {
        h.close();
    }

    private static String post(String path, String contentType, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: gw\r\n"
                + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                + "Content-Length: " + body.length() + "\r\n\r\n" + body; // sent as ISO-8859-1: a byte a char
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    private static double failures(String method, String path, String code) {
        return fixture.sample("gateway_validation_failures_total", "method", method, "path", path, "code", code);
    }

    /** An answer of the contract's, the request gone no further. */
    private Answer refused(int status, String code) {
        Answer a = h.answer();
        assertEquals(status, a.status(), a.body());
        assertEquals(code, a.code());
        assertEquals(h.exchange().requestId(), a.error().get("requestId").asText());
        assertTrue(h.passed.isEmpty(), "nothing goes on: " + h.passed);
        return a;
    }

    // --- 413 from the head, 415, 400 for parameters: before any body is read ---

    @Test
    void aContentLengthOverTheLimitIs413BeforeAnyBodyIsRead() {
        double before = failures("POST", "/v1/trades", "PAYLOAD_TOO_LARGE");
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2000\r\n\r\n");
        Answer a = refused(413, "PAYLOAD_TOO_LARGE");
        assertEquals("request body is larger than 1024 bytes", a.message());
        assertFalse(a.closes(), "2000 bytes are few enough to read and drop: the connection is kept");
        assertEquals(1.0, failures("POST", "/v1/trades", "PAYLOAD_TOO_LARGE") - before, 1e-9);
        assertEquals(1, h.state.inFlight(), "the exchange waits for the rest of the body to be dropped");
        h.send("x".repeat(2000));
        assertTrue(h.passed.isEmpty(), "the body that follows is dropped, not forwarded");
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void aStreamedBodysLimitAppliesToItsContentLengthToo() {
        h.send("PUT " + ARTIFACT + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: 65\r\n\r\n");
        assertEquals("request body is larger than 64 bytes", refused(413, "PAYLOAD_TOO_LARGE").message());
    }

    @Test
    void aMediaTypeTheOperationDoesNotTakeIs415() {
        double before = failures("POST", "/v1/trades", "UNSUPPORTED_MEDIA_TYPE");
        h.send(post("/v1/trades", "text/plain", TRADE_ORDER));
        assertEquals("Content-Type must be one of: application/json",
                refused(415, "UNSUPPORTED_MEDIA_TYPE").message());
        assertEquals(1.0, failures("POST", "/v1/trades", "UNSUPPORTED_MEDIA_TYPE") - before, 1e-9);
    }

    @Test
    void aBodyWithoutContentTypeIs415() {
        h.send(post("/v1/trades", null, TRADE_ORDER));
        assertEquals("a Content-Type is required: application/json", refused(415, "UNSUPPORTED_MEDIA_TYPE").message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=iso-8859-1", "application/jsonx", "application/octet-stream"})
    void jsonInAnotherCharsetOrAnotherTypeIs415(String contentType) {
        h.send(post("/v1/trades", contentType, TRADE_ORDER));
        refused(415, "UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void theSizeIsCheckedBeforeTheMediaType() {
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n");
        refused(413, "PAYLOAD_TOO_LARGE");
    }

    @Test
    void parametersThatBreakTheContractAre400WithEveryViolation() {
        h.send("GET /v1/trades?accountId=ACC-1&limit=0&foo=1 HTTP/1.1\r\nHost: gw\r\n\r\n");
        Answer a = refused(400, "VALIDATION_FAILED");
        assertEquals("request does not match the contract", a.message());
        assertEquals(List.of("query/accountId", "query/foo", "query/limit"), a.locations().stream().sorted().toList());
        a.error().get("details").forEach(d -> assertFalse(d.get("message").asText().isEmpty()));
    }

    @Test
    void aMissingRequiredQueryParameterIs400() {
        h.send("GET /v1/trades HTTP/1.1\r\nHost: gw\r\n\r\n");
        Answer a = refused(400, "VALIDATION_FAILED");
        assertEquals(List.of("query/accountId"), a.locations());
        assertEquals("is required", a.error().get("details").get(0).get("message").asText());
    }

    @Test
    void aPathParameterThatBreaksItsPatternIs400() {
        h.send("GET /v1/trades/trd_NOT-VALID HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertEquals(List.of("path/tradeId"), refused(400, "VALIDATION_FAILED").locations());
    }

    @Test
    void aHeaderParameterIsCheckedBeforeTheBodyIsRead() {
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nIdempotency-Key: short\r\n"
                + "Content-Length: " + TRADE_ORDER.length() + "\r\n\r\n");
        assertEquals(List.of("header/Idempotency-Key"), refused(400, "VALIDATION_FAILED").locations());
        h.send(TRADE_ORDER);
        assertTrue(h.passed.isEmpty());
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void goodParametersPassAtOnce() {
        h.send("GET /v1/trades?accountId=ACC-00012345&limit=10&status=FILLED HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size());
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, h.passed.get(1));
    }

    @Test
    void anOperationWithoutRulesPassesUntouched() {
        h.send("GET /healthz?anything=goes HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size());
    }

    // --- JSON bodies: held, parsed in place, forwarded as the client's bytes ---

    @Test
    void aValidJsonBodyIsHeldAndForwardedAsOneLastContentOfTheClientsBytes() {
        String head = "POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "Idempotency-Key: order-0001\r\nContent-Length: " + TRADE_ORDER.length() + "\r\n\r\n";
        List<HttpObject> first = h.send(head + TRADE_ORDER.substring(0, 40));
        HttpRequest sent = (HttpRequest) first.get(0);
        assertTrue(h.passed.isEmpty(), "the head waits with its body");
        h.send(TRADE_ORDER.substring(40, 90));
        assertTrue(h.passed.isEmpty());
        h.send(TRADE_ORDER.substring(90));
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size(), "the head, then the whole body at once: " + h.passed);
        assertSame(sent, h.passed.get(0), "the client's own head goes on");
        LastHttpContent body = assertInstanceOf(LastHttpContent.class, h.passed.get(1));
        assertEquals(TRADE_ORDER, body.content().toString(StandardCharsets.UTF_8));
        assertInstanceOf(CompositeByteBuf.class, body.content(), "the client's buffers, not a copy");
        assertEquals(3, ((CompositeByteBuf) body.content()).numComponents());
        assertTrue(body.trailingHeaders().isEmpty());
        assertEquals(TRADE_ORDER.length(), h.exchange().contentLength(),
                "the upstream is framed as the client framed it");
    }

    @Test
    void aChunkedJsonBodyIsForwardedWhole() {
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk(TRADE_ORDER.substring(0, 70)));
        assertTrue(h.passed.isEmpty());
        h.send(chunk(TRADE_ORDER.substring(70)) + "0\r\n\r\n");
        assertEquals(2, h.passed.size(), "the head, then the whole body at once: " + h.passed);
        LastHttpContent body = (LastHttpContent) h.passed.get(1);
        assertEquals(TRADE_ORDER, body.content().toString(StandardCharsets.UTF_8));
        assertEquals(Exchange.CHUNKED, h.exchange().contentLength());
    }

    @Test
    void aUtf8JsonBodyKeepsItsBytes() {
        String order = TRADE_ORDER.replace("\"timeInForce\":\"DAY\"", "\"tags\":{\"desk\":\"Zürich – 東京\"}");
        byte[] bytes = order.getBytes(StandardCharsets.UTF_8);
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + new String(bytes, StandardCharsets.ISO_8859_1));
        assertTrue(h.answers().isEmpty());
        LastHttpContent body = (LastHttpContent) h.passed.get(1);
        assertTrue(java.util.Arrays.equals(bytes, ByteBufUtil.getBytes(body.content())));
    }

    @Test
    void aMalformedJsonBodyIs400MalformedBody() {
        double before = failures("POST", "/v1/trades", "MALFORMED_BODY");
        h.send(post("/v1/trades", "application/json", "{\"clientOrderId\": \"x\","));
        Answer a = refused(400, "MALFORMED_BODY");
        assertTrue(a.message().startsWith("request body is not valid JSON"), a.message());
        assertEquals(1.0, failures("POST", "/v1/trades", "MALFORMED_BODY") - before, 1e-9);
        assertFalse(a.closes());
        assertEquals(0, h.state.inFlight());
    }

    @Test
    void duplicateKeysAndBrokenUtf8AreMalformedToo() {
        h.send(post("/v1/trades", "application/json", "{\"side\":\"BUY\",\"side\":\"SELL\"}"));
        assertTrue(refused(400, "MALFORMED_BODY").message().startsWith("duplicate key in JSON object"));
        h.send(post("/v1/trades", "application/json", "{\"symbol\":\"\u00c3\u0028\"}")); // 0xC3 0x28: no UTF-8
        Answer a = h.answer();
        assertEquals("MALFORMED_BODY", a.code());
        assertEquals("request body is not valid UTF-8", a.message());
        assertTrue(h.passed.isEmpty());
    }

    @Test
    void aBodyThatBreaksTheSchemaIs400WithDetails() {
        double before = failures("POST", "/v1/trades", "VALIDATION_FAILED");
        h.send(post("/v1/trades", "application/json", TRADE_ORDER.replace("\"quantity\":100", "\"quantity\":0")
                .replace("\"BUY\"", "\"HOLD\"")));
        Answer a = refused(400, "VALIDATION_FAILED");
        assertEquals("request does not match the contract", a.message());
        assertEquals(List.of("body/quantity", "body/side"), a.locations().stream().sorted().toList());
        assertEquals(1.0, failures("POST", "/v1/trades", "VALIDATION_FAILED") - before, 1e-9);
    }

    @Test
    void aRequiredBodyThatIsMissingIs400() {
        h.send(post("/v1/trades", "application/json", ""));
        Answer a = refused(400, "VALIDATION_FAILED");
        assertEquals(List.of("body"), a.locations());
        assertEquals("a request body is required", a.error().get("details").get(0).get("message").asText());
    }

    @Test
    void anEmptyChunkedBodyIsAMissingBodyToo() {
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertEquals(List.of("body"), refused(400, "VALIDATION_FAILED").locations());
    }

    @Test
    void aChunkedJsonBodyOverTheLimitIs413AndWhatWasHeldIsReleased() {
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk("[" + "1,".repeat(300)));
        assertTrue(h.answers().isEmpty() && h.passed.isEmpty(), "600 bytes are held");
        h.send(chunk("1,".repeat(300)));
        Answer a = refused(413, "PAYLOAD_TOO_LARGE");
        assertEquals("request body is larger than 1024 bytes", a.message());
        assertTrue(a.closes(), "a chunked body cannot be known to be small: the connection closes");
        h.send(chunk("1]") + "0\r\n\r\n"); // what the client still sends is dropped
        assertTrue(h.passed.isEmpty());
    }

    @Test
    void aClientWaitingOn100ContinueIsToldToGoOn() {
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                + "Content-Length: " + TRADE_ORDER.length() + "\r\n\r\n");
        Answer go = h.answer();
        assertEquals(100, go.status());
        assertTrue(h.passed.isEmpty(), "the head waits for its body");
        assertFalse(h.exchange().awaitingContinue(), "the lifecycle saw the 100 go out");
        h.send(TRADE_ORDER);
        assertTrue(h.answers().isEmpty());
        assertEquals(2, h.passed.size());
        assertEquals(TRADE_ORDER, ((LastHttpContent) h.passed.get(1)).content().toString(StandardCharsets.UTF_8));
    }

    @Test
    void aClientWaitingOn100ContinueForABodyTooLargeGets413AndTheClose() {
        h.send("POST /v1/trades HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                + "Content-Length: 2000\r\n\r\n");
        Answer a = refused(413, "PAYLOAD_TOO_LARGE");
        assertTrue(a.closes(), "the body will never come: the connection's framing is lost");
        h.channel.runPendingTasks();
        assertFalse(h.channel.isOpen());
    }

    // --- other bodies: streamed and counted ---

    @Test
    void aBodyWithContentLengthWithinTheLimitStreamsAsItComes() {
        h.send("PUT " + ARTIFACT + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: 64\r\n\r\n" + "a".repeat(30));
        assertEquals(2, h.passed.size(), "the head and the first part go on at once: " + h.passed);
        h.send("b".repeat(34));
        assertEquals(3, h.passed.size());
        assertInstanceOf(LastHttpContent.class, h.passed.get(2));
        assertTrue(h.events.isEmpty());
    }

    @Test
    void aChunkedBodyOverTheLimitFiresRequestRefusedAndIsNotPassedOn() {
        double before = failures("PUT", "/v1/tasks/{taskId}/artifacts/{name}", "PAYLOAD_TOO_LARGE");
        h.send("PUT " + ARTIFACT + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk("a".repeat(40)));
        assertEquals(2, h.passed.size(), "the head and the first 40 bytes stream on");
        List<HttpObject> over = h.send(chunk("b".repeat(40)));
        assertEquals(2, h.passed.size(), "the part that goes over the limit is not forwarded");
        assertEquals(0, ((HttpContent) over.get(0)).refCnt(), "and is released here");
        assertEquals(List.of(new RequestRefused(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than 64 bytes")),
                h.events);
        assertTrue(h.answers().isEmpty(), "the proxy, which has started the upstream request, answers");
        assertEquals(1.0, failures("PUT", "/v1/tasks/{taskId}/artifacts/{name}", "PAYLOAD_TOO_LARGE") - before, 1e-9);
    }

    @Test
    void aChunkedBodyAtTheLimitIsForwardedWhole() {
        h.send("PUT " + ARTIFACT + " HTTP/1.1\r\nHost: gw\r\nContent-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk("a".repeat(40)) + chunk("b".repeat(24)) + "0\r\n\r\n");
        assertTrue(h.events.isEmpty());
        assertTrue(h.answers().isEmpty());
        assertEquals(4, h.passed.size(), "head, two parts and the end: " + h.passed);
        assertInstanceOf(LastHttpContent.class, h.passed.get(3));
    }
}
