package dev.gateway.core.contract;

import dev.gateway.codec.ErrorDetail;
import dev.gateway.codec.ErrorResponses;
import java.util.ArrayList;
import java.util.List;

/** The violations of one request, at most as many as an error body lists; made only when there is one. */
final class Violations {
    private List<ErrorDetail> details;

    void add(ErrorDetail detail) {
        if (details == null) {
            details = new ArrayList<>(4);
        }
        if (details.size() < ErrorResponses.MAX_DETAILS) {
            details.add(detail);
        }
    }

    void add(String location, String message) {
        add(new ErrorDetail(location, message));
    }

    boolean full() {
        return details != null && details.size() >= ErrorResponses.MAX_DETAILS;
    }

    /** The violations found, or an empty list (no allocation) when the request is valid. */
    List<ErrorDetail> list() {
        return details == null ? List.of() : details;
    }
}
