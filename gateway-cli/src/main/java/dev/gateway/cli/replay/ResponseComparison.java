package dev.gateway.cli.replay;

import dev.gateway.core.capture.CaptureRecord;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Locale;

/**
 * How the replay compares target A's answer to a record with target B's. {@link SimpleComparison} is the
 * default; a full diff engine plugs in here.
 */
public interface ResponseComparison {
    /**
     * @param request the record both answers are to
     * @return the differences, none when the answers are alike
     */
    List<Difference> compare(CaptureRecord request, Response a, Response b);

    /** An answer as a target gave it. */
    record Response(int status, HttpHeaders headers, byte[] body) {
    }

    /**
     * One difference between the answers.
     *
     * @param path a JSON pointer (RFC 6901) into what differs: {@code ""} for the whole status or body, the
     *     lower-case header name for a header ({@code /content-type}), a member of the body for engines
     *     that look inside it ({@code /price})
     * @param a A's value as text
     * @param b B's value as text
     */
    record Difference(Kind kind, String path, String a, String b) {
    }

    /** What part of the answers differs. */
    enum Kind {
        STATUS, HEADER, BODY;

        /** The kind as reports name it: {@code status}, {@code header}, {@code body}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
