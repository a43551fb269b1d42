package dev.gateway.core.observe;

import dev.gateway.core.exchange.ExchangeRecord;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The legacy access log: one JSON object per exchange, in the pino-http shape the log pipeline parses,
 * written when the exchange ends. The line is built in a per-thread buffer and handed to the
 * asynchronous {@code access} logger, which copies it into its ring buffer: the event loop neither waits
 * for the console nor allocates per field.
 */
final class AccessLog {
    private static final Logger LOG = LogManager.getLogger("access");
    private static final AsciiString USER_AGENT = AsciiString.cached("user-agent");
    private static final FastThreadLocal<StringBuilder> LINE = new FastThreadLocal<>() {
        @Override
        protected StringBuilder initialValue() {
            return new StringBuilder(512);
        }
    };

    /** {@code ,"pid":…,"hostname":"…",} — the same on every line. */
    private final String processFields;

    AccessLog(long pid, String hostname) {
        StringBuilder b = new StringBuilder(",\"pid\":").append(pid).append(",\"hostname\":");
        string(b, hostname);
        processFields = b.append(',').toString();
    }

    /**
     * Writes one line for an ended exchange: {@code request completed}, or {@code request errored} when
     * the response was not wholly written.
     *
     * @param nowMillis the line's {@code time} (epoch milliseconds)
     * @param traceId the trace id to log, or {@code null}
     */
    void write(ExchangeRecord r, long nowMillis, String traceId) {
        int status = r.status();
        HttpRequest request = r.request();
        Level level = status >= 500 ? Level.ERROR : status >= 400 ? Level.WARN : Level.INFO;
        if (!LOG.isEnabled(level)) {
            return;
        }
        StringBuilder b = LINE.get();
        b.setLength(0);
        b.append("{\"level\":").append(status >= 500 ? 50 : status >= 400 ? 40 : 30)
                .append(",\"time\":").append(nowMillis)
                .append(processFields)
                .append("\"reqId\":");
        string(b, r.requestId());
        b.append(",\"req\":{\"method\":");
        string(b, request == null ? null : request.method().name());
        b.append(",\"url\":");
        string(b, r.rawUri());
        b.append(",\"route\":");
        string(b, r.route());
        b.append(",\"remoteAddress\":");
        string(b, r.clientAddress());
        b.append(",\"remotePort\":").append(r.clientPort()).append(",\"userAgent\":");
        string(b, request == null ? null : request.headers().get(USER_AGENT));
        b.append("},\"res\":{\"statusCode\":").append(status).append("},\"responseTime\":");
        millis(b, r.durationNanos());
        b.append(",\"upstream\":");
        string(b, r.forwardedTo());
        b.append(",\"upstreamTime\":");
        if (r.forwardedTo() != null && r.upstreamNanos() > 0) {
            millis(b, r.upstreamNanos());
        } else {
            b.append("null");
        }
        b.append(",\"bytesIn\":").append(r.bytesIn())
                .append(",\"bytesOut\":").append(r.bytesOut())
                .append(",\"subject\":");
        string(b, r.principal() == null ? null : r.principal().subject());
        b.append(",\"traceId\":");
        string(b, traceId);
        b.append(!r.delivered() ? ",\"msg\":\"request errored\"}" : ",\"msg\":\"request completed\"}");
        LOG.log(level, b);
    }

    /** Milliseconds with up to three decimals, from nanoseconds, without going through a double. */
    static void millis(StringBuilder b, long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        b.append(micros / 1000);
        int frac = (int) (micros % 1000);
        if (frac != 0) {
            b.append('.');
            if (frac < 100) {
                b.append('0');
            }
            if (frac < 10) {
                b.append('0');
            }
            while (frac % 10 == 0) {
                frac /= 10;
            }
            b.append(frac);
        }
    }

    /** A JSON string, or {@code null}. */
    static void string(StringBuilder b, CharSequence s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();
}
