package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gateway.cli.DemoGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/2 on the cleartext listener (h2c with prior knowledge), with raw frames. */
class Http2Test {
    private static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";

    static TestUpstream upstream;
    static DemoGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new TestUpstream();
        gateway = TestGateway.startWith(upstream, "");
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

    @Test
    void aGetOnAStreamIsProxied() throws Exception {
        try (RawH2 h2 = new RawH2(gateway.port())) {
            h2.headers(1, true, RawH2.get(TRADE));
            RawH2.Response r = h2.response(1);
            assertNull(r.reset());
            assertNotNull(r.headers());
            assertEquals(200, r.status());
            assertEquals("{\"ok\":true}", r.bodyText());
        }
    }
}
