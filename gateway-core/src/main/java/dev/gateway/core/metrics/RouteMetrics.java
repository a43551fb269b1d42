package dev.gateway.core.metrics;

import dev.gateway.codec.ErrorCode;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One route's series (a method on a path template), with their label children resolved once: an
 * exchange's end costs array reads and adds, never a label lookup. Children by status code are made on
 * first use and kept.
 */
public final class RouteMetrics {
    private static final String[] STATUS = new String[600];

    static {
        for (int i = 100; i < STATUS.length; i++) {
            STATUS[i] = Integer.toString(i);
        }
    }

    private final Histogram duration;
    private final String method;
    private final String path;
    private final AtomicReferenceArray<Histogram.Child> byStatus = new AtomicReferenceArray<>(STATUS.length);
    private final Counter.Child requestBytes;
    private final Counter.Child responseBytes;
    private final Counter.Child malformed;
    private final Counter.Child invalid;
    private final Counter.Child tooLarge;
    private final Counter.Child unsupported;
    private final Counter.Child responsesValid;
    private final Counter.Child responsesInvalid;
    private final Counter.Child responsesUnchecked;

    /** @param operationId the contract operation whose responses are checked, else {@code null} */
    RouteMetrics(GatewayMetrics m, String method, String path, String operationId) {
        this.duration = m.requestDuration;
        this.method = method;
        this.path = path;
        this.requestBytes = m.requestBytes.labels(method, path);
        this.responseBytes = m.responseBytes.labels(method, path);
        this.malformed = m.validationFailures.labels(method, path, ErrorCode.MALFORMED_BODY.name());
        this.invalid = m.validationFailures.labels(method, path, ErrorCode.VALIDATION_FAILED.name());
        this.tooLarge = m.validationFailures.labels(method, path, ErrorCode.PAYLOAD_TOO_LARGE.name());
        this.unsupported = m.validationFailures.labels(method, path, ErrorCode.UNSUPPORTED_MEDIA_TYPE.name());
        this.responsesValid = operationId == null ? null : m.responseValidation.labels(operationId, "valid");
        this.responsesInvalid = operationId == null ? null : m.responseValidation.labels(operationId, "invalid");
        this.responsesUnchecked = operationId == null ? null : m.responseValidation.labels(operationId, "unchecked");
    }

    /** An exchange ended: its status, how long it took, and the body bytes each way. */
    public void exchange(int status, long nanos, long bytesIn, long bytesOut) {
        durationFor(status).observe(nanos / 1e9);
        if (bytesIn > 0) {
            requestBytes.inc(bytesIn);
        }
        if (bytesOut > 0) {
            responseBytes.inc(bytesOut);
        }
    }

    private Histogram.Child durationFor(int status) {
        if (status < 100 || status >= STATUS.length) {
            return duration.labels(method, path, Integer.toString(status)); // never sent by a sane upstream
        }
        Histogram.Child c = byStatus.get(status);
        if (c == null) {
            c = duration.labels(method, path, STATUS[status]); // the same child whoever resolves it first
            byStatus.lazySet(status, c);
        }
        return c;
    }

    /** A request refused by the contract checks, by the code it was answered with. */
    public void validationFailed(ErrorCode code) {
        switch (code) {
            case MALFORMED_BODY -> malformed.inc();
            case PAYLOAD_TOO_LARGE -> tooLarge.inc();
            case UNSUPPORTED_MEDIA_TYPE -> unsupported.inc();
            default -> invalid.inc();
        }
    }

    /** An upstream response checked against the contract: it matched or it did not. */
    public void responseChecked(boolean valid) {
        (valid ? responsesValid : responsesInvalid).inc();
    }

    /** An upstream response that was not checked (too large, or not JSON). */
    public void responseUnchecked() {
        responsesUnchecked.inc();
    }
}
