package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The contract suite: cases generated from the contract (see {@link ContractCases}). Valid requests reach
 * the upstream unchanged, byte for byte; each request that breaks one constraint gets 400
 * {@code VALIDATION_FAILED} naming the right location, and never reaches the upstream.
 */
class ContractSuiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static TestUpstream upstream;
    static DemoGateway gateway;
    static ContractCases cases;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        upstream.responder = r -> TestUpstream.json(HttpResponseStatus.OK, "{\"ok\":true}");
        gateway = TestGateway.startWith(upstream, "");
        cases = ContractCases.fromBundledContract();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @TestFactory
    Stream<DynamicTest> validRequestsPassThroughUnchanged() {
        assertTrue(cases.valid().size() >= 10, "cases: " + cases.valid().size());
        return cases.valid().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            upstream.received.clear();
            byte[] body = c.body() == null ? null : spelledOddly(c.body());
            RawHttp.Response r = send(c, body);
            assertEquals(200, r.status(), c.target() + " " + r.text());
            TestUpstream.Recorded seen = upstream.received.poll(10, TimeUnit.SECONDS);
            assertNotNull(seen, "never reached the upstream");
            assertEquals(c.method(), seen.method());
            assertEquals(c.target(), seen.uri());
            for (Map.Entry<String, String> h : c.headers().entrySet()) {
                assertEquals(h.getValue(), seen.headers().get(h.getKey()));
            }
            if (body != null) {
                assertArrayEquals(body, seen.body(), "the body must reach the upstream byte for byte");
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> eachBrokenConstraintIs400AtItsLocation() {
        List<ContractCases.Case> broken = cases.broken();
        assertTrue(broken.size() >= 100, "cases: " + broken.size());
        System.out.println("contract suite: " + cases.valid().size() + " valid and " + broken.size()
                + " broken requests generated from the contract");
        return broken.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            upstream.received.clear();
            byte[] body = c.body() == null ? null : JSON.writeValueAsBytes(c.body());
            RawHttp.Response r = send(c, body);
            assertEquals(400, r.status(), c.target() + " " + r.text());
            JsonNode error = JSON.readTree(r.text()).get("error");
            assertEquals("VALIDATION_FAILED", error.get("code").asText(), r.text());
            List<String> locations = new ArrayList<>();
            error.get("details").forEach(d -> locations.add(d.get("location").asText()));
            assertTrue(locations.contains(c.expectedLocation()),
                    "expected " + c.expectedLocation() + " in " + locations + " for " + c.target() + " "
                            + (body == null ? "" : new String(body, StandardCharsets.UTF_8)));
            assertNull(upstream.received.poll(), "a refused request must not reach the upstream");
        }));
    }

    private static RawHttp.Response send(ContractCases.Case c, byte[] body) throws Exception {
        StringBuilder head = new StringBuilder(c.method()).append(' ').append(c.target()).append(" HTTP/1.1\r\n")
                .append("Host: gw\r\nX-API-Key: it-key\r\n");
        c.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            head.append("Content-Type: ").append(c.contentType()).append("\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send(head.toString());
            if (body != null) {
                client.send(body);
            }
            return client.read();
        }
    }

    /**
     * The valid body as a client might spell it: odd whitespace, keys in the file's order, numbers in
     * exponent form. Validation must not normalise any of it on the way up.
     */
    private static byte[] spelledOddly(JsonNode body) throws Exception {
        String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body)
                .replace("\"quantity\" : 1.5", "\"quantity\" : 15E-1");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(("\t" + json + " \n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
