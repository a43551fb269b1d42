package dev.gateway.it;

import static dev.gateway.it.FramingSuiteTest.Conn.CLOSED;
import static dev.gateway.it.FramingSuiteTest.Conn.OPEN;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import dev.gateway.codec.RequestIds;
import dev.gateway.it.RawUpstream.After;
import dev.gateway.it.RawUpstream.Reply;
import dev.gateway.it.RawUpstream.Request;
import dev.gateway.it.StrictClient.Framing;
import dev.gateway.it.StrictClient.Response;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Framing, table-driven: raw requests built to desynchronise a proxy, and raw upstream answers built to do
 * the same the other way, each checked on both sides of one gateway.
 *
 * <p>Requests: each row's bytes go out in one write followed by a valid pipelined GET on the same
 * connection. The suite then checks what {@link RawUpstream} received (nothing at all for a refused
 * request, or exactly the request as the gateway framed it and then the pipelined GET as a request of its
 * own), what the client got (the contract's error or the upstream's answer, parsed strictly, nothing left
 * over), and whether the connection stayed open. A sentinel request sent last (on the same connection
 * when it is open, else on a new one) marks the end of what a row can have caused upstream.
 *
 * <p>Responses: each row's bytes answer one request; a second, normal request must then succeed, on a new
 * upstream connection whenever the first one carried an anomaly, and must get its own answer.
 *
 * <p>One event loop, so every client connection shares one upstream pool and reuse is deterministic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FramingSuiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A safety net for a gateway that neither answers nor closes (its own client timeouts are 1 s). */
    private static final int CLIENT_READ_TIMEOUT_MS = 3_000;
    /**
     * How long to wait for a request at the upstream. By the time the suite looks, the client has its
     * answer, which the upstream gave after recording the request: only a failing case waits this long.
     */
    private static final Duration UPSTREAM_WAIT = Duration.ofSeconds(2);
    /** How long the gateway may take to close an upstream connection that carried an anomaly. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    static final String ARTIFACT = "/v1/tasks/tsk_abcdefghij0123456789/artifacts/a.bin";
    /** The scopes of the test API key, as the gateway sends them upstream. */
    static final String SCOPES = "trades:read trades:write tasks:read tasks:write";

    /** The start of a valid GET, up to the empty line (rows add fields, then {@code \r\n}). */
    static final String GET = "GET " + TRADE + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n";
    /** The start of a valid artifact upload (a streamed octet-stream body); rows add the framing. */
    static final String PUT = "PUT " + ARTIFACT + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n"
            + "Content-Type: application/octet-stream\r\n";
    /** The start of a valid JSON POST; rows add the framing. */
    static final String POST = "POST /v1/trades HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n"
            + "Content-Type: application/json\r\n";
    static final String TRADE_JSON = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\","
            + "\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}";
    /**
     * A complete valid request placed after a body whose framing is in doubt: a gateway that reads the
     * framing differently from a strict parser forwards it as a request of its own.
     */
    static final String SMUGGLED = "GET /v1/trades/trd_smuggled000000000000 HTTP/1.1\r\nHost: gw\r\n"
            + "X-API-Key: it-key\r\n\r\n";
    /** A request hidden in a body. */
    static final String ADMIN = "GET /internal/admin HTTP/1.1\r\nHost: internal\r\nX-Auth-Subject: root\r\n\r\n";
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static final AtomicInteger CASES = new AtomicInteger();
    /** {@code -Dframing.trace}: print what every row observed, passing or not. */
    private static final boolean TRACE = System.getProperty("framing.trace") != null;

    static RawUpstream upstream;
    static DemoGateway gateway;

    /**
     * Both upstreams on {@link RawUpstream}. The response rows make it fail on purpose, so the breaker and
     * outlier ejection are kept out of the way; health checks are TCP connections, kept rare so that the
     * upstream's connections are the pool's. Short client timeouts bound what a failing row can wait for.
     * (The leak guard applies to this class as to every class of the module: it is registered for
     * automatic detection.)
     */
    @BeforeAll
    static void start() throws Exception {
        upstream = new RawUpstream();
        gateway = startInFrontOf(upstream, "operations: {uploadArtifact: {idleTimeout: 2s}}\n");
    }

    /** A gateway with one event loop whose both upstreams are {@code raw}, configured as described above. */
    static DemoGateway startInFrontOf(RawUpstream raw, String moreYaml) throws InterruptedException {
        String settings = "{endpoints: [" + raw.endpoint() + "], responseTimeout: 2s, "
                + "healthCheck: {interval: 1h}, breaker: {minimumCalls: 1000000}, "
                + "outlierEjection: {consecutiveFailures: 1000000}}";
        return TestGateway.start("eventLoops: 1\n"
                + "client: {headersTimeout: 1s, bodyIdleTimeout: 1s, keepAliveIdleTimeout: 1s}\n"
                + "upstreams:\n  trade: " + settings + "\n  task: " + settings + "\n" + moreYaml);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    // =====================================================================================================
    // Request variants
    // =====================================================================================================

    /** What became of a request variant. */
    enum Verdict {
        /** The upstream got the request (or {@link Expect#requests} of them), framed by the gateway. */
        FORWARDED,
        /** The gateway answered with its error and forwarded nothing of the request. */
        REFUSED,
        /**
         * The head was valid, the body's framing broke midway: the gateway answers its error and closes;
         * the upstream may have got the head and part of the body, but never a complete request.
         */
        REFUSED_MID_BODY
    }

    /** The client connection after the answer. */
    enum Conn {
        OPEN, CLOSED
    }

    /** A check of one row beyond the verdict, on what was observed. */
    @FunctionalInterface
    interface Check {
        void verify(Observed o) throws Exception;
    }

    /**
     * A row's expectation.
     *
     * @param status and {@code code}: the client's answer (the gateway's error, or the upstream's 200)
     * @param requests how many requests the row's bytes hold (all forwarded, one at a time)
     */
    record Expect(Verdict verdict, int status, String code, Conn conn, int requests, List<Check> checks) {
        Expect requests(int n) {
            return new Expect(verdict, status, code, conn, n, checks);
        }

        @Override
        public String toString() {
            return verdict + (verdict == Verdict.FORWARDED ? "" : " " + status + " " + code) + ", connection "
                    + conn + (requests == 1 ? "" : ", " + requests + " requests");
        }
    }

    /** 400 VALIDATION_FAILED, the connection closed after it, nothing forwarded. */
    static Expect refusedClose() {
        return new Expect(Verdict.REFUSED, 400, "VALIDATION_FAILED", CLOSED, 1, List.of());
    }

    /**
     * 400 VALIDATION_FAILED for a well-framed request the gateway will not serve (its target): nothing of
     * it forwarded, and the connection goes on, so the pipelined GET is forwarded and answered.
     */
    static Expect refusedKeepOpen() {
        return new Expect(Verdict.REFUSED, 400, "VALIDATION_FAILED", OPEN, 1, List.of());
    }

    static Expect refused(int status, String code, Conn conn) {
        return new Expect(Verdict.REFUSED, status, code, conn, 1, List.of());
    }

    /** A bad chunk: 400 and close; never a complete request upstream. */
    static Expect refusedMidBody() {
        return new Expect(Verdict.REFUSED_MID_BODY, 400, "VALIDATION_FAILED", CLOSED, 1, List.of());
    }

    /** Forwarded and answered with the upstream's 200; the connection stays open. */
    static Expect forwarded(Check... checks) {
        return new Expect(Verdict.FORWARDED, 200, null, OPEN, 1, List.of(checks));
    }

    /** Forwarded and answered with the upstream's 200 and {@code Connection: close}; then closed. */
    static Expect forwardedThenClosed(Check... checks) {
        return new Expect(Verdict.FORWARDED, 200, null, CLOSED, 1, List.of(checks));
    }

    /**
     * One row.
     *
     * @param raw the bytes, as ISO-8859-1 characters ({@code \u00e9} is the byte 0xE9)
     * @param awaitContinue send the head, read a 100 Continue, then send the body
     */
    record RequestCase(String name, String raw, Expect expect, boolean awaitContinue) {
        @Override
        public String toString() {
            return name;
        }

        boolean http10() {
            int eol = raw.indexOf('\n');
            return raw.substring(0, eol < 0 ? raw.length() : eol).trim().endsWith("HTTP/1.0");
        }
    }

    static RequestCase row(String name, String raw, Expect expect) {
        return new RequestCase(name, raw, expect, false);
    }

    /** A GET of a trade with {@code host} as its Host field. */
    static String withHost(String host) {
        return "GET " + TRADE + " HTTP/1.1\r\nHost: " + host + "\r\nX-API-Key: it-key\r\n\r\n";
    }

    static Stream<RequestCase> requestCases() {
        String hello = "5\r\nhello\r\n0\r\n\r\n";
        return Stream.of(
                // --- baselines ------------------------------------------------------------------------------
                row("baseline GET", GET + "\r\n", forwarded(target(TRADE), noBody())),
                row("baseline PUT with Content-Length", PUT + "Content-Length: 5\r\n\r\nhello",
                        forwarded(body("hello"))),
                row("baseline PUT chunked", PUT + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                        forwarded(body("hello world"))),
                row("baseline POST JSON", POST + "Content-Length: " + TRADE_JSON.length() + "\r\n\r\n" + TRADE_JSON,
                        forwarded(body(TRADE_JSON))),
                row("chunk extension", PUT + "Transfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n0\r\n\r\n",
                        forwarded(body("hello"))),

                // --- Content-Length and Transfer-Encoding ---------------------------------------------------
                row("CL + TE chunked", PUT + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
                        refusedClose()),
                row("TE chunked + CL", PUT + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + SMUGGLED,
                        refusedClose()),
                row("two different CLs", PUT + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" + SMUGGLED,
                        refusedClose()),
                row("two equal CLs", PUT + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + SMUGGLED,
                        refusedClose()),
                row("CL list 5, 5", PUT + "Content-Length: 5, 5\r\n\r\nhello" + SMUGGLED, refusedClose()),
                row("CL +5", PUT + "Content-Length: +5\r\n\r\nhello" + SMUGGLED, refusedClose()),
                row("CL hex 0x5", PUT + "Content-Length: 0x5\r\n\r\nhello" + SMUGGLED, refusedClose()),
                row("CL with space inside", PUT + "Content-Length: 1 0\r\n\r\nhellohello" + SMUGGLED, refusedClose()),
                row("CL empty", PUT + "Content-Length: \r\n\r\nhello" + SMUGGLED, refusedClose()),
                row("CL negative", PUT + "Content-Length: -5\r\n\r\nhello" + SMUGGLED, refusedClose()),
                row("CL huge", PUT + "Content-Length: 99999999999999999999\r\n\r\nhello" + SMUGGLED, refusedClose()),
                row("TE identity", PUT + "Transfer-Encoding: identity\r\n\r\n" + hello + SMUGGLED, refusedClose()),
                row("TE gzip, chunked", PUT + "Transfer-Encoding: gzip, chunked\r\n\r\n" + hello + SMUGGLED,
                        refusedClose()),
                row("TE chunked, chunked", PUT + "Transfer-Encoding: chunked, chunked\r\n\r\n" + hello + SMUGGLED,
                        refusedClose()),
                row("TE xchunked", PUT + "Transfer-Encoding: xchunked\r\n\r\n" + hello + SMUGGLED, refusedClose()),
                row("TE two lines", PUT + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + hello
                        + SMUGGLED, refusedClose()),
                row("TE in HTTP/1.0", "PUT " + ARTIFACT + " HTTP/1.0\r\nHost: gw\r\nX-API-Key: it-key\r\n"
                        + "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + hello + SMUGGLED,
                        refusedClose()),
                // Optional whitespace around a plain "chunked" is no ambiguity: every parser strips it.
                row("TE tab chunked", PUT + "Transfer-Encoding:\tchunked\r\n\r\n" + hello, forwarded(body("hello"))),
                row("TE chunked trailing OWS", PUT + "Transfer-Encoding: chunked \t\r\n\r\n" + hello,
                        forwarded(body("hello"))),
                row("TE Chunked in capitals", PUT + "Transfer-Encoding: CHUNKED\r\n\r\n" + hello, forwarded(body("hello"))),

                // --- bad chunk sizes: never a complete request upstream, never the smuggled one -------------
                row("chunk size 0x5", PUT + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
                        refusedMidBody()),
                row("chunk size -1", PUT + "Transfer-Encoding: chunked\r\n\r\n-1\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
                        refusedMidBody()),
                // Not refused: Netty reads an extension with an empty name as no extension (RFC 9112 7.1.1 wants a
                // name). Safe for the upstream: the gateway writes every chunk again without extensions, and the
                // bytes after the body are read by the same parser as the client's next request, authenticated
                // and validated as its own; nothing of them is carried inside the first request.
                row("chunk size '5 ;'", PUT + "Transfer-Encoding: chunked\r\n\r\n5 ;\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
                        forwarded(body("hello")).requests(2)),
                row("chunk data without CRLF", PUT + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n" + SMUGGLED,
                        refusedMidBody()),
                row("chunk size overflowing", PUT + "Transfer-Encoding: chunked\r\n\r\n1000000000000000005\r\nhello\r\n"
                        + "0\r\n\r\n" + SMUGGLED, refusedMidBody()),
                row("second chunk size bad", PUT + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nhello\r\n0\r\n\r\n"
                        + SMUGGLED, refusedMidBody()),

                // --- field syntax ---------------------------------------------------------------------------
                row("obs-fold in a value", GET + "X-Foo: a\r\n b\r\n\r\n", forwarded(has("X-Foo", "a b"))),
                // A lenient parser joins the folded line into "chunked", a strict one sees an empty
                // Transfer-Encoding: no framing is safe, so none is taken.
                row("obs-fold continuing Transfer-Encoding", PUT + "Transfer-Encoding:\r\n chunked\r\n\r\n" + hello
                        + SMUGGLED, refusedClose()),
                row("space before colon in Content-Length", PUT + "Content-Length : 5\r\n\r\nhello" + SMUGGLED,
                        refusedClose()),
                row("space before colon in Host", "GET " + TRADE + " HTTP/1.1\r\nHost : gw\r\nX-API-Key: it-key\r\n\r\n",
                        refusedClose()),
                row("whitespace before the first field", "GET " + TRADE + " HTTP/1.1\r\n Host: gw\r\nX-API-Key: it-key\r\n\r\n",
                        refusedClose()),
                row("NUL in a value", GET + "X-Foo: a\u0000b\r\n\r\n", refusedClose()),
                row("bare CR in a value", GET + "X-Foo: a\rb\r\n\r\n", refusedClose()),
                row("control character 0x01 in a value", GET + "X-Foo: a\u0001b\r\n\r\n", refusedClose()),
                row("DEL in a value", GET + "X-Foo: a\u007fb\r\n\r\n", refusedClose()),
                row("bare LF line endings", "GET " + TRADE + " HTTP/1.1\nHost: gw\nX-API-Key: it-key\n\n", refusedClose()),
                row("space in a field name", GET + "X Foo: 1\r\n\r\n", refusedClose()),
                row("@ in a field name", GET + "X@Foo: 1\r\n\r\n", refusedClose()),
                // obs-text is allowed in values (RFC 9110 5.5): passed on byte for byte.
                row("Latin-1 byte in a value", GET + "X-Foo: caf\u00e9\r\n\r\n", forwarded(has("X-Foo", "caf\u00e9"))),
                row("UTF-8 bytes in a value", GET + "X-Foo: caf\u00c3\u00a9\r\n\r\n",
                        forwarded(has("X-Foo", "caf\u00c3\u00a9"))),

                // --- Connection and hop-by-hop fields -------------------------------------------------------
                row("Connection: Content-Length hiding a request", PUT + "Connection: Content-Length\r\n"
                        + "Content-Length: " + ADMIN.length() + "\r\n\r\n" + ADMIN,
                        forwarded(framing(RawUpstream.Framing.LENGTH), has("Content-Length", "" + ADMIN.length()),
                                body(ADMIN))),
                row("Connection: Content-Length on a JSON POST", POST + "Connection: Content-Length\r\n"
                        + "Content-Length: " + TRADE_JSON.length() + "\r\n\r\n" + TRADE_JSON,
                        forwarded(framing(RawUpstream.Framing.LENGTH), has("Content-Length", "" + TRADE_JSON.length()),
                                body(TRADE_JSON))),
                row("Connection: Transfer-Encoding", PUT + "Connection: Transfer-Encoding\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + hello, forwarded(body("hello"))),
                row("Connection: Host", GET + "Connection: Host\r\n\r\n", forwarded(forwardedHost("gw"))),
                row("Connection: X-Request-Id", GET + "Connection: X-Request-Id\r\nX-Request-Id: abc-123\r\n\r\n",
                        forwarded(has("X-Request-Id", "abc-123"))),
                row("Connection: X-Forwarded-For", GET + "Connection: X-Forwarded-For\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n",
                        forwarded()),
                row("Connection: X-Forwarded-Host", GET + "Connection: X-Forwarded-Host\r\n\r\n",
                        forwarded(forwardedHost("gw"))),
                row("Connection: X-Auth-Subject", GET + "Connection: X-Auth-Subject\r\n\r\n", forwarded()),
                row("Connection: traceparent", GET + "Connection: traceparent\r\ntraceparent: 00-" + TRACE_ID
                        + "-00f067aa0ba902b7-01\r\n\r\n", forwarded(traceId(TRACE_ID))),
                row("Connection: X-Custom", GET + "Connection: X-Custom\r\nX-Custom: 1\r\n\r\n", forwarded(lacks("X-Custom"))),
                row("Connection: close", GET + "Connection: close\r\n\r\n", forwardedThenClosed()),
                row("Keep-Alive", GET + "Keep-Alive: timeout=5, max=1000\r\n\r\n", forwarded(lacks("Keep-Alive"))),
                row("Proxy-Connection", GET + "Proxy-Connection: close\r\n\r\n", forwarded(lacks("Proxy-Connection"))),
                row("TE: trailers", GET + "TE: trailers\r\n\r\n", forwarded(lacks("TE"))),
                row("Upgrade", GET + "Upgrade: websocket\r\n\r\n", forwarded(lacks("Upgrade"))),
                row("Proxy-Authorization", GET + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n\r\n",
                        forwarded(lacks("Proxy-Authorization"))),
                // (An upgrade to h2c, and the HTTP/2 preface, start HTTP/2: Http2Test, with HTTP/2 on and off.)

                // --- duplicates and list fields -------------------------------------------------------------
                row("two X-Forwarded-For lines", GET + "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 7.7.7.7\r\n\r\n",
                        forwarded(has("X-Forwarded-For", "6.6.6.6, 7.7.7.7, 127.0.0.1"))),
                row("client X-Auth-* fields", GET + "X-Auth-Subject: root\r\nX-Auth-Scopes: admin\r\n"
                        + "x-auth-whatever: 1\r\n\r\n", forwarded(lacks("x-auth-whatever"))),
                row("two Host fields", "GET " + TRADE + " HTTP/1.1\r\nHost: gw\r\nHost: evil.example\r\n"
                        + "X-API-Key: it-key\r\n\r\n", refusedClose()),
                // Two lines are one list ("first-id, second-id"), no acceptable id: a new one, as the legacy gateway.
                row("two X-Request-Id fields", GET + "X-Request-Id: first-id\r\nX-Request-Id: second-id\r\n\r\n",
                        forwarded(newRequestId("first-id", "second-id"))),

                // --- request-target forms -------------------------------------------------------------------
                row("absolute-form", "GET http://evil.example" + TRADE + " HTTP/1.1\r\nHost: a\r\nX-API-Key: it-key\r\n\r\n",
                        forwarded(target(TRADE), forwardedHost("evil.example"))),
                row("absolute-form https", "GET https://evil.example" + TRADE + " HTTP/1.1\r\nHost: a\r\n"
                        + "X-API-Key: it-key\r\n\r\n", forwarded(target(TRADE), forwardedHost("evil.example"))),
                row("absolute-form with port", "GET http://evil.example:8443" + TRADE + " HTTP/1.1\r\nHost: a\r\n"
                        + "X-API-Key: it-key\r\n\r\n", forwarded(target(TRADE), forwardedHost("evil.example:8443"))),
                row("absolute-form with userinfo", "GET http://u:p@evil.example" + TRADE + " HTTP/1.1\r\nHost: a\r\n"
                        + "X-API-Key: it-key\r\n\r\n", refusedKeepOpen()),
                // The space splits the request line into four parts: not a request line at all.
                row("absolute-form authority with a space", "GET http://a b" + TRADE + " HTTP/1.1\r\nHost: a\r\n"
                        + "X-API-Key: it-key\r\n\r\n", refusedClose()),
                row("absolute-form empty authority", "GET http://" + TRADE + " HTTP/1.1\r\nHost: a\r\n"
                        + "X-API-Key: it-key\r\n\r\n", refusedKeepOpen()),
                row("absolute-form ftp scheme", "GET ftp://evil.example" + TRADE + " HTTP/1.1\r\nHost: a\r\n"
                        + "X-API-Key: it-key\r\n\r\n", refusedKeepOpen()),
                row("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n", refusedKeepOpen()),
                // Refused as a target that is not a path (the stricter of 400/404/405); CONNECT never opens a
                // tunnel here, so the bytes after it are simply the next request.
                row("authority-form CONNECT", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n"
                        + "X-API-Key: it-key\r\n\r\n", refusedKeepOpen()),
                row("fragment in target", "GET " + TRADE + "#frag HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n",
                        refusedKeepOpen()),

                // --- Host -----------------------------------------------------------------------------------
                row("Host with userinfo", withHost("user:pw@evil.example"), refusedClose()),
                row("Host with a space", withHost("a b"), refusedClose()),
                row("Host with path and query", withHost("evil.com/x?"), refusedClose()),
                row("Host port too large", withHost("evil.com:99999"), refusedClose()),
                row("Host port negative", withHost("evil.com:-1"), refusedClose()),
                row("Host port not a number", withHost("evil.com:abc"), refusedClose()),
                row("Host unclosed IPv6", withHost("[::1"), refusedClose()),
                row("Host with NUL", withHost("exa\u0000mple"), refusedClose()),
                row("Host name", withHost("example.com"), forwarded(forwardedHost("example.com"))),
                row("Host name and port", withHost("example.com:8080"), forwarded(forwardedHost("example.com:8080"))),
                row("Host IPv4 and port", withHost("127.0.0.1:1"), forwarded(forwardedHost("127.0.0.1:1"))),
                row("Host IPv6 and port", withHost("[::1]:8080"), forwarded(forwardedHost("[::1]:8080"))),
                // An IP-literal of RFC 3986 3.2.2 (optional to support): accepted, and passed on as it came.
                row("Host IPvFuture", withHost("[v1.fe80::a+en1]"), forwarded(forwardedHost("[v1.fe80::a+en1]"))),
                row("Host IDN in punycode", withHost("xn--bcher-kva.example"),
                        forwarded(forwardedHost("xn--bcher-kva.example"))),
                row("no Host in HTTP/1.1", "GET " + TRADE + " HTTP/1.1\r\nX-API-Key: it-key\r\n\r\n", refusedClose()),
                row("no Host in HTTP/1.0", "GET " + TRADE + " HTTP/1.0\r\nX-API-Key: it-key\r\n\r\n",
                        forwardedThenClosed(lacks("X-Forwarded-Host"))),

                // --- trailers -------------------------------------------------------------------------------
                row("trailers that would be credentials and framing", PUT + "Transfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\nX-Auth-Subject: root\r\nX-API-Key: x\r\nAuthorization: Bearer x\r\n"
                        + "Content-Length: 5\r\nX-Other: 1\r\n\r\n", forwarded(body("hello"), noTrailers())),
                row("announced trailer", PUT + "Trailer: X-Other\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\nX-Other: 1\r\n\r\n", forwarded(body("hello"), noTrailers(), lacks("Trailer"))),

                // --- expectations, versions, request lines, pipelining --------------------------------------
                new RequestCase("Expect: 100-continue", PUT + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
                        forwarded(interim(100), body("hello"), lacks("Expect")), true),
                row("Expect: foo", PUT + "Expect: foo\r\nContent-Length: 5\r\n\r\nhello", refusedClose()),
                row("HTTP/1.0 keep-alive", "GET " + TRADE + " HTTP/1.0\r\nHost: gw\r\nX-API-Key: it-key\r\n"
                        + "Connection: keep-alive\r\n\r\n", forwarded(answerHas("Connection", "keep-alive"))),
                row("HTTP/0.9 request", "GET " + TRADE + "\r\n", refusedClose()),
                row("two requests in one write", GET + "\r\n" + "GET /v1/tasks/tsk_abcdefghij0123456789 HTTP/1.1\r\n"
                        + "Host: gw\r\nX-API-Key: it-key\r\n\r\n", forwarded(target(TRADE)).requests(2)),
                // Not refused: RFC 9112 3 lets a recipient split the request line on whitespace runs, as Netty does.
                // Safe: the upstream never sees this line; the gateway writes its own, with single spaces.
                row("two spaces after the method", "GET  " + TRADE + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n",
                        forwarded(target(TRADE))),
                // Not the stricter 400: methods are case-sensitive (RFC 9110 9.1), so "get" is a well-formed
                // request with a method the path does not have, and the contract's answer to that is 405 with
                // Allow. Safe: nothing is forwarded, and the request's framing is intact, so the connection
                // goes on with the pipelined GET.
                row("lower-case method", "get " + TRADE + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n",
                        refused(405, "METHOD_NOT_ALLOWED", OPEN)),
                // The contract serves no HEAD: 405 by the gateway, never forwarded (how an answer to HEAD ends is
                // held by UpstreamCodecTest, on the codec itself).
                row("HEAD of a GET-only path", "HEAD " + TRADE + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n",
                        refused(405, "METHOD_NOT_ALLOWED", OPEN)),
                row("version HTTP/1.1x", "GET " + TRADE + " HTTP/1.1x\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n",
                        refusedClose()),
                row("version HTTP/2.0", "GET " + TRADE + " HTTP/2.0\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n",
                        refusedClose()));
    }

    // --- row checks --------------------------------------------------------------------------------------

    /** The forwarded request has exactly one {@code name} field, equal to {@code value}. */
    static Check has(String name, String value) {
        return o -> need(List.of(value).equals(o.up().all(name)),
                "upstream '" + name + "' should be [" + value + "], was " + o.up().all(name));
    }

    /** The gateway made its own id: none of the client's reached the upstream. */
    static Check newRequestId(String... clients) {
        return o -> {
            String id = o.up().only("X-Request-Id");
            need(id != null && !List.of(clients).contains(id), "upstream X-Request-Id should be new, was " + id);
        };
    }

    static Check lacks(String... names) {
        return o -> {
            for (String name : names) {
                need(o.up().all(name).isEmpty(), "upstream should have no '" + name + "', had " + o.up().all(name));
            }
        };
    }

    static Check forwardedHost(String host) {
        return has("X-Forwarded-Host", host);
    }

    static Check target(String target) {
        return o -> need(target.equals(o.up().target()), "upstream target should be " + target);
    }

    static Check body(String body) {
        return o -> {
            need(o.up().framing() != RawUpstream.Framing.NONE, "upstream request has no body framing");
            need(body.equals(o.up().bodyText()), "upstream body should be '" + body + "'");
        };
    }

    static Check noBody() {
        return o -> need(o.up().body().length == 0, "upstream request should have no body");
    }

    static Check framing(RawUpstream.Framing framing) {
        return o -> need(o.up().framing() == framing, "upstream framing should be " + framing);
    }

    static Check noTrailers() {
        return o -> need(o.up().trailers().isEmpty(), "upstream got trailer fields " + o.up().trailers());
    }

    static Check traceId(String traceId) {
        return o -> {
            String tp = o.up().only("traceparent");
            need(tp != null && tp.contains(traceId), "upstream traceparent should carry trace " + traceId);
        };
    }

    static Check interim(int status) {
        return o -> need(o.interim().size() == 1 && o.interim().get(0).status() == status,
                "the client should have got one interim " + status);
    }

    static Check answerHas(String name, String value) {
        return o -> need(value.equalsIgnoreCase(String.valueOf(o.answers().get(0).header(name))),
                "client answer '" + name + "' should be " + value);
    }

    // --- running a row -----------------------------------------------------------------------------------

    /**
     * Everything a row caused.
     *
     * @param sent what the client wrote (the row's bytes and the pipelined GET)
     * @param interim interim (1xx) responses the client got
     * @param answers final responses the client got, in order (the sentinel's not included)
     * @param closed whether the connection ended (EOF or reset) before the sentinel could be answered on it
     * @param problem a client-side failure: a malformed or cut response, or no answer in time
     * @param upstream every request the upstream recorded because of the row, in order
     * @param sentinel the sentinel as the upstream recorded it, and the client's answer to it
     */
    record Observed(String sent, List<Response> interim, List<Response> answers, boolean closed, String problem,
            String transcript, String pipeTarget, List<Request> upstream, Request sentinel, Response sentinelAnswer,
            String sentinelProblem) {
        Request up() {
            need(!upstream.isEmpty(), "nothing reached the upstream");
            return upstream.get(0);
        }

        String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("\n  client sent:     ").append(sent);
            sb.append("\n  client got:      ").append(transcript);
            sb.append("\n                   ").append(answers.size()).append(" answer(s)")
                    .append(interim.isEmpty() ? "" : " after " + interim.size() + " interim")
                    .append(closed ? ", then the connection closed" : ", connection open")
                    .append(problem == null ? "" : ", client problem: " + problem);
            sb.append("\n  upstream got:    ").append(upstream.isEmpty() ? "nothing" : upstream.size() + " request(s)");
            for (Request r : upstream) {
                sb.append("\n    ").append(r);
            }
            return sb.toString();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestCases")
    @Order(1)
    void request(RequestCase c) throws Exception {
        // Every row starts on fresh upstream connections: one the upstream closed after the row before
        // could otherwise still sit in the pool, and a head written to it as the close crosses is a
        // stale-connection retry (the upstream records half a request), not the row's framing.
        upstream.closeAll();
        Poll.until(Duration.ofSeconds(5), "the gateway to see its upstream connections closed",
                () -> gateway.upstreamConnections("trade") + gateway.upstreamConnections("task") == 0);
        upstream.awaitQuiet(Duration.ofSeconds(3));
        upstream.received.clear();
        Observed o = observe(c);
        try {
            verify(c, c.expect(), o);
            if (TRACE) {
                System.out.println("[framing] " + c.name() + ": " + c.expect() + o.describe());
            }
        } catch (AssertionError e) {
            upstream.closeAll(); // whatever the row left in the gateway's pool goes with it
            upstream.awaitQuiet(Duration.ofSeconds(3));
            upstream.received.clear();
            AssertionError failure = new AssertionError(c.name() + ": expected " + c.expect() + "\n  "
                    + e.getMessage() + o.describe());
            failure.setStackTrace(e.getStackTrace());
            throw failure;
        }
    }

    /** A trade id of its own per use: {@code trd_} and 20 characters of [0-9a-z]. */
    static String tradeId(char prefix, int n) {
        return String.format(Locale.ROOT, "trd_%c%019d", prefix, n);
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n";
    }

    private static Observed observe(RequestCase c) throws Exception {
        int n = CASES.incrementAndGet();
        String pipeTarget = "/v1/trades/" + tradeId('p', n);
        String sentinelTarget = "/v1/trades/" + tradeId('s', n);
        String pipelined = get(pipeTarget);
        // A request the last row left half-sent is recorded when the gateway closes its connection: wait for
        // that, so it is not taken for this row's.
        upstream.awaitQuiet(Duration.ofSeconds(3));
        upstream.received.clear();

        List<Response> interim = new ArrayList<>();
        List<Response> answers = new ArrayList<>();
        boolean closed = false;
        String problem = null;
        Response sentinelAnswer = null;
        String sentinelProblem = null;
        boolean sentinelSent = false;
        String transcript;
        try (StrictClient client = new StrictClient(gateway.port(), CLIENT_READ_TIMEOUT_MS)) {
            try {
                if (c.awaitContinue()) {
                    int split = c.raw().indexOf("\r\n\r\n") + 4;
                    client.send(c.raw().substring(0, split));
                    Response first = client.read(false);
                    if (first != null && first.status() < 200) {
                        interim.add(first);
                    } else if (first != null) {
                        answers.add(first);
                    }
                    client.send(c.raw().substring(split) + pipelined);
                } else {
                    client.send(c.raw() + pipelined);
                }
                int expected = c.expect().requests() + 1;
                while (answers.size() < expected) {
                    // The first answer to a HEAD row has no content, whatever its Content-Length says.
                    boolean toHead = answers.isEmpty() && c.raw().startsWith("HEAD ");
                    Response r = client.readFinal(toHead, interim);
                    if (r == null) {
                        closed = true;
                        break;
                    }
                    answers.add(r);
                    if (r.framing() == Framing.CLOSE) {
                        closed = true;
                        break;
                    }
                }
            } catch (SocketTimeoutException e) {
                problem = "no answer (and no close) within " + CLIENT_READ_TIMEOUT_MS + " ms";
            } catch (StrictClient.Malformed e) {
                problem = "malformed response: " + e.getMessage();
            } catch (EOFException e) {
                problem = "response cut: " + e.getMessage();
                closed = true;
            } catch (IOException e) {
                problem = "I/O error: " + e;
                closed = true;
            }
            if (!closed && problem == null) {
                // Still open as far as we know: the sentinel goes on this connection, which also shows
                // that no byte was left over after the answers.
                try {
                    client.send(get(sentinelTarget));
                    sentinelSent = true;
                    Response r = client.readFinal(false, interim);
                    if (r == null) {
                        closed = true;
                        sentinelSent = false;
                    } else {
                        sentinelAnswer = r;
                    }
                } catch (EOFException e) {
                    sentinelProblem = "sentinel answer cut: " + e.getMessage();
                } catch (IOException e) {
                    sentinelProblem = "sentinel on the same connection: " + e;
                }
            }
            transcript = client.transcript();
        }
        if (!sentinelSent) {
            try (StrictClient s = new StrictClient(gateway.port(), CLIENT_READ_TIMEOUT_MS)) {
                sentinelAnswer = s.send(get(sentinelTarget)).readFinal(false, new ArrayList<>());
            } catch (IOException e) {
                sentinelProblem = "sentinel on a new connection: " + e;
            }
        }

        List<Request> seen = new ArrayList<>();
        Request sentinel = null;
        long deadline = System.nanoTime() + UPSTREAM_WAIT.toNanos();
        while (sentinel == null) {
            long left = deadline - System.nanoTime();
            Request r = left <= 0 ? null : upstream.received.poll(left, TimeUnit.NANOSECONDS);
            if (r == null) {
                break;
            }
            if (sentinelTarget.equals(r.target())) {
                sentinel = r;
            } else {
                seen.add(r);
            }
        }
        // Anything a connection was still in the middle of (a request cut short) is recorded by now.
        upstream.awaitQuiet(Duration.ofSeconds(3));
        upstream.received.drainTo(seen);
        return new Observed(RawUpstream.escape((c.raw() + pipelined).getBytes(StandardCharsets.ISO_8859_1)),
                interim, answers, closed, problem, transcript, pipeTarget, seen, sentinel, sentinelAnswer,
                sentinelProblem);
    }

    private static void verify(RequestCase c, Expect e, Observed o) throws Exception {
        // The sentinel shows the gateway still serves, and ends what this row caused upstream.
        need(o.sentinel() != null, "the sentinel request never reached the upstream"
                + (o.sentinelProblem() == null ? "" : " (" + o.sentinelProblem() + ")"));
        need(o.sentinelProblem() == null, o.sentinelProblem());
        need(o.sentinelAnswer() != null && o.sentinelAnswer().status() == 200
                && RawUpstream.defaultBody(o.sentinel()).equals(o.sentinelAnswer().text()),
                "the sentinel did not get its own answer: " + describe(o.sentinelAnswer()));
        forwardedSoundly(o.sentinel(), o.sentinelAnswer());
        if (!c.awaitContinue()) {
            need(o.interim().isEmpty(), "unexpected interim responses " + statuses(o.interim()));
        }
        for (Response r : o.answers()) {
            need(r.header("X-Request-Id") != null, "an answer without X-Request-Id");
            need(r.framing() != Framing.CLOSE || c.http10(),
                    "an answer to an HTTP/1.1 client delimited by closing the connection");
        }
        switch (e.verdict()) {
            case FORWARDED -> verifyForwarded(c, e, o);
            case REFUSED -> verifyRefused(e, o);
            case REFUSED_MID_BODY -> verifyRefusedMidBody(e, o);
            default -> throw new AssertionError(e.verdict());
        }
        for (Check check : e.checks()) {
            check.verify(o);
        }
    }

    private static void verifyForwarded(RequestCase c, Expect e, Observed o) throws IOException {
        need(o.problem() == null, o.problem());
        int n = e.requests();
        need(o.answers().size() >= n, "expected " + n + " upstream answer(s), the client got "
                + statuses(o.answers()));
        need(o.upstream().size() >= n, "expected " + n + " request(s) upstream, got " + o.upstream().size());
        for (int i = 0; i < n; i++) {
            Request up = o.upstream().get(i);
            Response answer = o.answers().get(i);
            forwardedSoundly(up, answer);
            need(answer.status() == 200 && RawUpstream.defaultBody(up).equals(answer.text()),
                    "the client's answer " + (i + 1) + " is not the upstream's answer to it: " + describe(answer));
        }
        oneAtATime(o.upstream().subList(0, n));
        if (e.conn() == CLOSED) {
            need(o.closed(), "expected the connection closed after the answer");
            need(o.answers().size() == n, "expected the pipelined GET unanswered, the client got "
                    + statuses(o.answers()));
            need(o.upstream().size() == n, "expected only the row's request(s) upstream, got "
                    + o.upstream().size() + " (the pipelined GET must not be forwarded after a close)");
            need("close".equalsIgnoreCase(o.answers().get(n - 1).header("Connection")),
                    "the last answer before the close lacks Connection: close");
        } else {
            need(!o.closed(), "expected the connection to stay open");
            pipelinedAnswered(o, n, n);
            for (Response r : o.answers()) {
                need(!"close".equalsIgnoreCase(r.header("Connection")), "an answer says Connection: close");
            }
        }
    }

    private static void verifyRefused(Expect e, Observed o) throws IOException {
        need(o.problem() == null, o.problem());
        need(!o.answers().isEmpty(), "expected the gateway's " + e.status() + ", the client got no answer");
        gatewayError(o.answers().get(0), e.status(), e.code());
        if (e.conn() == CLOSED) {
            need(o.closed() && o.answers().size() == 1, "expected the connection closed after the error, got "
                    + statuses(o.answers())
                    + (o.closed() ? "" : " and an open connection"));
            need("close".equalsIgnoreCase(o.answers().get(0).header("Connection")),
                    "the error before the close lacks Connection: close");
            need(o.upstream().isEmpty(), "a refused request's connection forwarded " + o.upstream().size()
                    + " request(s)");
        } else {
            need(!o.closed(), "expected the connection to stay open after the error");
            pipelinedAnswered(o, 1, 0);
        }
    }

    private static void verifyRefusedMidBody(Expect e, Observed o) throws IOException {
        need(o.problem() == null, o.problem());
        need(!o.answers().isEmpty(), "expected the gateway's " + e.status() + ", the client got no answer");
        gatewayError(o.answers().get(0), e.status(), e.code());
        need(o.closed() && o.answers().size() == 1, "expected the connection closed after the error, got "
                + statuses(o.answers()) + (o.closed() ? "" : " and an open connection"));
        // The head (and some body) may have gone upstream before the bad chunk arrived; what went must end
        // cut short, never as a complete request, and nothing may follow it.
        need(o.upstream().size() <= 1, "expected at most the cut-short request upstream, got " + o.upstream().size());
        if (!o.upstream().isEmpty()) {
            Request r = o.upstream().get(0);
            need(!r.parsed() && r.problem().contains("middle of a request"),
                    "the upstream got a complete request (or garbage), not one cut short: " + r);
        }
    }

    /**
     * The requests in {@code list} went upstream one at a time: none was sent before the one before it
     * had been answered (no pipelining upstream, on one connection or across several). A request that
     * arrives later than its predecessor's answer, with nothing queued behind that predecessor, shows it.
     */
    static void oneAtATime(List<Request> list) {
        for (int i = 1; i < list.size(); i++) {
            Request before = list.get(i - 1);
            Request after = list.get(i);
            need(!before.followed(), "the gateway sent more bytes upstream behind " + before.target()
                    + " before it was answered");
            need(after.arrivedNanos() > upstream.repliedNanos(before), "the gateway sent " + after.target()
                    + " upstream before " + before.target() + " was answered");
        }
    }

    /**
     * The pipelined GET came upstream as the request after the row's {@code forwarded} ones, and its answer
     * after the row's {@code n}.
     */
    private static void pipelinedAnswered(Observed o, int n, int forwarded) {
        need(o.answers().size() == n + 1, "expected " + (n + 1) + " answers (the pipelined GET's last), got "
                + statuses(o.answers()));
        need(o.upstream().size() == forwarded + 1, "expected " + forwarded
                + " request(s) then the pipelined GET upstream, got " + o.upstream().size());
        Request pipe = o.upstream().get(o.upstream().size() - 1);
        need("GET".equals(pipe.method()) && o.pipeTarget().equals(pipe.target()) && pipe.body().length == 0,
                "the last request upstream is not the pipelined GET: " + pipe);
        Response answer = o.answers().get(n);
        forwardedSoundly(pipe, answer);
        oneAtATime(o.upstream());
        need(answer.status() == 200 && RawUpstream.defaultBody(pipe).equals(answer.text()),
                "the pipelined GET did not get its own answer: " + describe(answer));
    }

    /**
     * What every request the gateway forwards must be: strictly parsed (so one framing only: one
     * Content-Length matching the body, or chunks ending in a 0-chunk, or no body; no Transfer-Encoding
     * but chunked), in origin-form over HTTP/1.1, with the gateway's own Host, request id (the one the
     * client got back), forwarding trail and identity, and no hop-by-hop fields or credentials.
     */
    static void forwardedSoundly(Request up, Response answer) {
        need(up.parsed(), "the upstream got something that does not parse strictly (" + up.problem() + "): " + up);
        need("HTTP/1.1".equals(up.version()), "forwarded as " + up.version());
        need(up.target().startsWith("/"), "forwarded target not in origin-form: " + up.target());
        need(List.of(upstream.endpoint()).equals(up.all("Host")), "upstream Host should be ["
                + upstream.endpoint() + "], was " + up.all("Host"));
        List<String> ids = up.all("X-Request-Id");
        need(ids.size() == 1 && RequestIds.isAcceptable(ids.get(0)), "upstream X-Request-Id should be one id, was "
                + ids);
        need(answer != null && ids.get(0).equals(answer.header("X-Request-Id")), "upstream X-Request-Id "
                + ids + " is not the one the client got back ("
                + (answer == null ? "no answer" : answer.header("X-Request-Id")) + ")");
        List<String> xff = up.all("X-Forwarded-For");
        need(xff.size() == 1 && (xff.get(0).equals("127.0.0.1") || xff.get(0).endsWith(", 127.0.0.1")),
                "upstream X-Forwarded-For should be one line ending with 127.0.0.1, was " + xff);
        need(List.of("it").equals(up.all("X-Auth-Subject")), "upstream X-Auth-Subject should be [it], was "
                + up.all("X-Auth-Subject"));
        need(List.of(SCOPES).equals(up.all("X-Auth-Scopes")), "upstream X-Auth-Scopes should be [" + SCOPES
                + "], was " + up.all("X-Auth-Scopes"));
        need(List.of("apikey").equals(up.all("X-Auth-Method")), "upstream X-Auth-Method should be [apikey], was "
                + up.all("X-Auth-Method"));
        for (String h : new String[] {"Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE", "Trailer",
            "Upgrade", "X-API-Key", "Authorization", "Expect"}) {
            need(up.all(h).isEmpty(), "upstream got hop-by-hop or credential field " + h + ": " + up.all(h));
        }
        for (String v : up.all("Connection")) {
            need("keep-alive".equalsIgnoreCase(v), "upstream got Connection: " + v);
        }
    }

    /** The contract's error: status, {@code {"error":{"code":...}}}, the request id in body and header. */
    static void gatewayError(Response r, int status, String code) throws IOException {
        need(r.status() == status, "expected the gateway's " + status + " " + code + ", got " + describe(r));
        need(String.valueOf(r.header("Content-Type")).startsWith("application/json"),
                "error without Content-Type application/json: " + describe(r));
        if (r.body().length == 0 && r.header("Content-Length") != null) {
            need(r.header("X-Request-Id") != null, "error without X-Request-Id: " + describe(r));
            return; // an answer to HEAD: the error's headers without its body (RFC 9110 9.3.2)
        }
        JsonNode error;
        try {
            error = JSON.readTree(r.body()).get("error");
        } catch (IOException e) {
            throw new AssertionError("error body is not JSON: " + describe(r));
        }
        need(error != null && code.equals(error.path("code").asText()), "expected error code " + code + ", got "
                + describe(r));
        String id = r.header("X-Request-Id");
        need(id != null && id.equals(error.path("requestId").asText()),
                "error X-Request-Id missing or unlike the body's requestId: " + describe(r));
    }

    static String describe(Response r) {
        if (r == null) {
            return "no answer";
        }
        return r.status() + " " + r.headers() + " " + r.framing() + " body '" + r.text() + "'"
                + (r.trailers().isEmpty() ? "" : " trailers " + r.trailers());
    }

    static List<Integer> statuses(List<Response> responses) {
        return responses.stream().map(Response::status).toList();
    }

    static void need(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    // =====================================================================================================
    // Response variants
    // =====================================================================================================

    /** What the client must get for the first request. */
    enum Got {
        /** The upstream's response, as {@link Answer#status} and {@link Answer#body}. */
        RELAYED,
        /** The gateway's 502 BAD_GATEWAY. */
        BAD_GATEWAY,
        /** The connection closed without a complete response. */
        CUT
    }

    /** Whether the first upstream connection may carry the second request. */
    enum Reuse {
        /** It carried an anomaly: the gateway must close it, and the second request goes on another. */
        NEVER,
        /** A clean exchange: either way. */
        ANY
    }

    /** A check of the client's response to the first request. */
    @FunctionalInterface
    interface AnswerCheck {
        void verify(Response r);
    }

    /**
     * @param body the exact body; {@code null} means the upstream's default answer to the request
     */
    record Answer(Got got, int status, String body, List<AnswerCheck> checks) {
        @Override
        public String toString() {
            return got + (got == Got.RELAYED ? " " + status + " '" + body + "'" : "");
        }
    }

    static Answer relayed(int status, String body, AnswerCheck... checks) {
        return new Answer(Got.RELAYED, status, body, List.of(checks));
    }

    static Answer badGateway() {
        return new Answer(Got.BAD_GATEWAY, 502, null, List.of());
    }

    static Answer cut() {
        return new Answer(Got.CUT, 0, null, List.of());
    }

    /**
     * One response row.
     *
     * @param method of the first request (GET or HEAD)
     * @param reply the raw answer to it ({@code null}: the upstream's default answer)
     * @param after what the upstream does with the connection after writing it
     * @param unsolicited written on the connection once the first exchange is over ({@code null}: nothing)
     */
    record ResponseCase(String name, String method, String reply, After after, String unsolicited, Answer expect,
            Reuse reuse) {
        @Override
        public String toString() {
            return name;
        }
    }

    static ResponseCase answer(String name, String reply, After after, Answer expect, Reuse reuse) {
        return new ResponseCase(name, "GET", reply, after, null, expect, reuse);
    }

    static AnswerCheck without(String... names) {
        return r -> {
            for (String name : names) {
                need(r.all(name).isEmpty(), "the client got '" + name + "': " + r.all(name));
            }
        };
    }

    static AnswerCheck with(String name, String value) {
        return r -> need(List.of(value).equals(r.all(name)), "the client should get " + name + ": " + value
                + ", got " + r.all(name));
    }

    static AnswerCheck trailersWithout(String... names) {
        return r -> {
            for (String name : names) {
                for (StrictClient.Field f : r.trailers()) {
                    need(!f.name().equalsIgnoreCase(name), "the client got trailer field " + f);
                }
            }
        };
    }

    static Stream<ResponseCase> responseCases() {
        String ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
        StringBuilder big = new StringBuilder(ok);
        for (int i = 0; big.length() < 33 * 1024; i++) {
            big.append("X-Big-").append(i).append(": ").append("v".repeat(1000)).append("\r\n");
        }
        String oversized = big + "Content-Length: 2\r\n\r\nok";
        return Stream.of(
                answer("clean 200 with Content-Length", ok + "Content-Length: 5\r\n\r\nhello", After.KEEP_OPEN,
                        relayed(200, "hello"), Reuse.ANY),
                answer("clean chunked 200 with extensions", ok + "Transfer-Encoding: chunked\r\n\r\n"
                        + "5;a=b\r\nhello\r\n0\r\n\r\n", After.KEEP_OPEN, relayed(200, "hello"), Reuse.ANY),
                answer("upstream 503 passed through", "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                        + "Retry-After: 7\r\nContent-Length: 13\r\n\r\n{\"busy\":true}",
                        After.KEEP_OPEN, relayed(503, "{\"busy\":true}", with("Retry-After", "7")), Reuse.ANY),
                answer("204 with a body", "HTTP/1.1 204 No Content\r\nContent-Length: 11\r\n\r\nhello world",
                        After.KEEP_OPEN, relayed(204, "", without("Content-Length", "Transfer-Encoding")), Reuse.NEVER),
                answer("304 with a body", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 11\r\n\r\nhello world",
                        After.KEEP_OPEN, relayed(304, "", with("ETag", "\"x\"")), Reuse.NEVER),
                answer("Content-Length shorter than the body", ok + "Content-Length: 5\r\n\r\nhello world",
                        After.KEEP_OPEN, relayed(200, "hello"), Reuse.NEVER),
                answer("Content-Length longer than the body, then close", ok + "Content-Length: 100\r\n\r\nhello",
                        After.CLOSE, cut(), Reuse.NEVER),
                answer("Content-Length and Transfer-Encoding", ok + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n", After.KEEP_OPEN, badGateway(), Reuse.NEVER),
                answer("two different Content-Lengths", ok + "Content-Length: 5\r\nContent-Length: 11\r\n\r\nhello world",
                        After.KEEP_OPEN, badGateway(), Reuse.NEVER),
                answer("Content-Length +5", ok + "Content-Length: +5\r\n\r\nhello", After.KEEP_OPEN, badGateway(),
                        Reuse.NEVER),
                answer("Transfer-Encoding chunked, chunked", ok + "Transfer-Encoding: chunked, chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n", After.KEEP_OPEN, badGateway(), Reuse.NEVER),
                answer("HTTP/1.0 read to close", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello world",
                        After.CLOSE, relayed(200, "hello world"), Reuse.NEVER),
                answer("HTTP/1.1 Connection: close read to close", ok + "Connection: close\r\n\r\nhello world",
                        After.CLOSE, relayed(200, "hello world"), Reuse.NEVER),
                answer("unsolicited 101", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
                        After.KEEP_OPEN, badGateway(), Reuse.NEVER),
                answer("two responses to one request", ok + "Content-Length: 5\r\n\r\nfirst" + ok
                        + "Content-Length: 6\r\n\r\nsecond", After.KEEP_OPEN, relayed(200, "first"), Reuse.NEVER),
                answer("bytes after a chunked response", ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                        + "GARBAGE", After.KEEP_OPEN, relayed(200, "hello"), Reuse.NEVER),
                answer("response head over 32 KiB", oversized, After.KEEP_OPEN, badGateway(), Reuse.NEVER),
                answer("garbage status line", "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok", After.KEEP_OPEN,
                        badGateway(), Reuse.NEVER),
                answer("bare LF line endings", "HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 2\n\nok",
                        After.KEEP_OPEN, badGateway(), Reuse.NEVER),
                answer("NUL in a header value", ok + "X-Bad: a\u0000b\r\nContent-Length: 2\r\n\r\nok", After.KEEP_OPEN,
                        badGateway(), Reuse.NEVER),
                answer("100 Continue then 200", "HTTP/1.1 100 Continue\r\n\r\n" + ok + "Content-Length: 2\r\n\r\nok",
                        After.KEEP_OPEN, relayed(200, "ok"), Reuse.ANY),
                answer("103 Early Hints then 200", "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + ok
                        + "Content-Length: 2\r\n\r\nok", After.KEEP_OPEN, relayed(200, "ok"), Reuse.ANY),
                answer("trailers with framing fields", ok + "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                        + "5\r\nhello\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n"
                        + "X-Checksum: abc\r\n\r\n", After.KEEP_OPEN, relayed(200, "hello",
                        trailersWithout("Content-Length", "Transfer-Encoding", "Connection"), without("Trailer")),
                        Reuse.ANY),
                answer("hop-by-hop response headers", ok + "Connection: X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\n"
                        + "Upgrade: h2c\r\nProxy-Connection: keep-alive\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok",
                        After.KEEP_OPEN, relayed(200, "ok", without("X-Secret", "Keep-Alive", "Upgrade",
                                "Proxy-Connection", "Connection"), with("X-Kept", "yes")), Reuse.ANY),
                // A coding other than chunked last means the body runs to the close (RFC 9112 6.3); relaying it
                // re-chunked would drop the coding the body is in. The stricter answer: 502.
                answer("Transfer-Encoding gzip", ok + "Transfer-Encoding: gzip\r\n\r\nnot really gzip", After.CLOSE,
                        badGateway(), Reuse.NEVER),
                new ResponseCase("response to nobody", "GET", null, After.KEEP_OPEN,
                        ok + "Content-Length: 7\r\n\r\nnobody!", relayed(200, null), Reuse.NEVER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responseCases")
    @Order(2)
    void response(ResponseCase c) throws Exception {
        int n = CASES.incrementAndGet();
        String first = "/v1/trades/" + tradeId('r', n);
        String second = "/v1/trades/" + tradeId('q', n);
        upstream.received.clear();
        if (c.reply() != null) {
            upstream.answer(first, Reply.of(c.reply(), c.after()));
        }
        StringBuilder seen = new StringBuilder();
        try {
            respond(c, first, second, seen);
            if (TRACE) {
                System.out.println("[framing] " + c.name() + ": " + c.expect() + seen);
            }
        } catch (AssertionError e) {
            upstream.closeAll();
            upstream.awaitQuiet(Duration.ofSeconds(3));
            upstream.received.clear();
            AssertionError failure = new AssertionError(c.name() + ": expected " + c.expect() + ", upstream connection "
                    + c.reuse() + "\n  " + e.getMessage() + seen);
            failure.setStackTrace(e.getStackTrace());
            throw failure;
        } finally {
            upstream.resetScript();
        }
    }

    private static void respond(ResponseCase c, String first, String second, StringBuilder seen) throws Exception {
        boolean head = "HEAD".equals(c.method());
        StrictClient client = new StrictClient(gateway.port(), CLIENT_READ_TIMEOUT_MS);
        StrictClient other = null;
        try {
            client.send(c.method() + " " + first + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: it-key\r\n\r\n");
            List<Response> interim = new ArrayList<>();
            Response answer = null;
            String problem = null;
            boolean cut = false;
            try {
                answer = client.readFinal(head, interim);
                cut = answer == null;
            } catch (EOFException e) {
                cut = true;
                problem = "cut: " + e.getMessage();
            } catch (SocketTimeoutException e) {
                problem = "no answer within " + CLIENT_READ_TIMEOUT_MS + " ms";
            } catch (StrictClient.Malformed e) {
                problem = "malformed: " + e.getMessage();
            }
            seen.append("\n  upstream sent:   ").append(c.reply() == null ? "its default answer"
                    : RawUpstream.escape(c.reply().getBytes(StandardCharsets.ISO_8859_1)) + " then " + c.after());
            seen.append("\n  client got:      ").append(client.transcript())
                    .append(problem == null ? "" : "\n                   (" + problem + ")");
            Request up1 = upstream.received.poll(UPSTREAM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            seen.append("\n  upstream got:    ").append(up1);
            need(up1 != null && first.equals(up1.target()), "the first request did not reach the upstream");
            if (c.unsolicited() != null) {
                upstream.send(up1.connection(), c.unsolicited().getBytes(StandardCharsets.ISO_8859_1));
            }

            // What the client got for the first request.
            for (Response r : interim) {
                need(r.status() == 100 || r.status() == 103, "the client got interim " + r.status());
            }
            Answer e = c.expect();
            switch (e.got()) {
                case RELAYED -> {
                    need(problem == null && answer != null, "expected the upstream's " + e.status() + ": "
                            + (problem == null ? "no answer" : problem));
                    String body = e.body() == null ? RawUpstream.defaultBody(up1) : e.body();
                    need(answer.status() == e.status() && body.equals(answer.text()),
                            "expected " + e.status() + " '" + body + "', got " + describe(answer));
                    need(answer.framing() != Framing.CLOSE, "an answer delimited by closing the connection");
                    need(answer.header("X-Request-Id") != null, "an answer without X-Request-Id");
                    need(!"close".equalsIgnoreCase(answer.header("Connection")),
                            "the client's connection is closed after a good answer");
                    for (AnswerCheck check : e.checks()) {
                        check.verify(answer);
                    }
                }
                case BAD_GATEWAY -> {
                    need(problem == null && answer != null, "expected the gateway's 502: "
                            + (problem == null ? "no answer" : problem));
                    gatewayError(answer, 502, "BAD_GATEWAY");
                    need(!"close".equalsIgnoreCase(answer.header("Connection")),
                            "the client's connection is closed after a 502 to a complete request");
                }
                case CUT -> need(cut, "expected the connection closed without a complete response, got "
                        + (answer == null ? problem : describe(answer)));
                default -> throw new AssertionError(e.got());
            }

            // The first upstream connection: an anomaly must not be reused.
            boolean firstClosed = false;
            if (c.reuse() == Reuse.NEVER && !upstream.closedByUs(up1.connection())) {
                firstClosed = upstream.awaitClosed(up1.connection(), CLOSE_WAIT);
                seen.append("\n  upstream connection ").append(up1.connection())
                        .append(firstClosed ? " closed by the gateway" : " left open by the gateway");
            }

            // The second request: on the same client connection when it should still be usable.
            StrictClient via = client;
            if (e.got() == Got.CUT) {
                other = new StrictClient(gateway.port(), CLIENT_READ_TIMEOUT_MS);
                via = other;
            }
            Response answer2 = null;
            String problem2 = null;
            try {
                answer2 = via.send(get(second)).readFinal(false, new ArrayList<>());
            } catch (IOException ex) {
                problem2 = ex.toString();
            }
            Request up2 = upstream.received.poll(UPSTREAM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            seen.append("\n  second request:  upstream got ").append(up2)
                    .append("\n                   client got ").append(via.transcript());
            upstream.awaitQuiet(Duration.ofSeconds(3));
            List<Request> late = new ArrayList<>();
            upstream.received.drainTo(late);
            for (Request r : late) {
                seen.append("\n  and then:        ").append(r);
            }

            if (c.reuse() == Reuse.NEVER && !upstream.closedByUs(up1.connection())) {
                need(firstClosed, "the gateway kept upstream connection " + up1.connection()
                        + " open after an anomalous response");
            }
            need(problem2 == null, "the second request failed: " + problem2);
            need(up2 != null && second.equals(up2.target()), "the second request did not reach the upstream as such");
            forwardedSoundly(up2, answer2);
            if (c.reuse() == Reuse.NEVER) {
                need(up2.connection() != up1.connection(), "the second request reused upstream connection "
                        + up1.connection());
            }
            need(answer2 != null && answer2.status() == 200 && RawUpstream.defaultBody(up2).equals(answer2.text()),
                    "the second request did not get its own answer: " + describe(answer2));
            need(late.isEmpty(), "the upstream got more requests than the two");
            need(up1.parsed(), "the first request did not parse upstream: " + up1);
        } finally {
            client.close();
            if (other != null) {
                other.close();
            }
        }
    }
}
