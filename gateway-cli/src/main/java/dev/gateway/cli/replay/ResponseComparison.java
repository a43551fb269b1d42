package dev.gateway.cli.replay;

import dev.gateway.core.capture.CaptureRecord;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the replay compares target A's answer to a record with target B's: {@link DiffComparison}, the
 * gateway's own diff engine, with A as the reference and B as the candidate.
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
     * One difference between the answers, as the RFC 6902 operation that turns A's part into B's.
     *
     * @param op {@code add} (only B has a value here), {@code remove} (only A has) or {@code replace}
     * @param path an RFC 6901 pointer: {@code /status}; {@code /headers/<lower-case name>}; for the body, the
     *     place inside it ({@code /price}, {@code /items/0/qty}), {@code ""} for the body as a whole
     * @param field the path with every array index as {@code *} ({@code /items/*}{@code /qty}): what the
     *     report counts records by, one field however many elements differ in it; for a body place also an
     *     {@code --ignore} pattern that silences it
     * @param a A's value as compact JSON text, {@code null} exactly for {@code add}
     * @param b B's value as compact JSON text, {@code null} exactly for {@code remove}
     */
    record Difference(Kind kind, String op, String path, String field, String a, String b) {
        /** RFC 6902 {@code add}. */
        public static final String ADD = "add";
        /** RFC 6902 {@code remove}. */
        public static final String REMOVE = "remove";
        /** RFC 6902 {@code replace}. */
        public static final String REPLACE = "replace";

        /** @throws IllegalArgumentException if the values present do not fit the operation */
        public Difference {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(field, "field");
            boolean fits = switch (Objects.requireNonNull(op, "op")) {
                case ADD -> a == null && b != null;
                case REMOVE -> a != null && b == null;
                case REPLACE -> a != null && b != null;
                default -> throw new IllegalArgumentException("op '" + op + "' is none of add, remove, replace");
            };
            if (!fits) {
                throw new IllegalArgumentException(op + " at '" + path + "' with A " + a + " and B " + b);
            }
        }
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
