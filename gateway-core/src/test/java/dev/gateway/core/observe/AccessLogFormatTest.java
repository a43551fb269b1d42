package dev.gateway.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** The access log's number and string writing, and the trace id taken from a caller's traceparent. */
class AccessLogFormatTest {
    private static String millis(long nanos) {
        StringBuilder b = new StringBuilder();
        AccessLog.millis(b, nanos);
        return b.toString();
    }

    @Test
    void millisecondsHaveUpToThreeDecimalsWithoutTrailingZeros() {
        assertEquals("3.42", millis(3_420_000));
        assertEquals("3.42", millis(3_420_999)); // below a microsecond is dropped
        assertEquals("0.005", millis(5_000));
        assertEquals("0.05", millis(50_000));
        assertEquals("12", millis(12_000_000));
        assertEquals("0", millis(999));
        assertEquals("0", millis(-5));
        assertEquals("1234.001", millis(1_234_001_000));
    }

    @Test
    void stringsAreValidJsonWhateverTheyHold() throws Exception {
        String nasty = "a\"b\\c\nd\te\u0001f\u007fé/\u2028";
        StringBuilder b = new StringBuilder();
        AccessLog.string(b, nasty);
        assertEquals(nasty, new ObjectMapper().readTree(b.toString()).asText());
        b.setLength(0);
        AccessLog.string(b, null);
        assertEquals("null", b.toString());
    }

    private static HttpRequest withTraceparent(String value) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        if (value != null) {
            r.headers().set("traceparent", value);
        }
        return r;
    }

    @Test
    void theCallersTraceIdIsTakenOnlyFromAWellFormedTraceparent() {
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", Telemetry.callersTraceId(
                withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")));
        assertNull(Telemetry.callersTraceId(withTraceparent(null)));
        assertNull(Telemetry.callersTraceId(withTraceparent("garbage")));
        assertNull(Telemetry.callersTraceId(withTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")));
        assertNull(Telemetry.callersTraceId(withTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")));
        assertNull(Telemetry.callersTraceId(withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e47\"6-00f067aa0ba902b7-01")));
    }
}
