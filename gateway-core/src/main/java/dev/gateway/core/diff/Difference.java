package dev.gateway.core.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One difference between a reference response and a candidate response, as an RFC 6902 operation that
 * turns the reference's part into the candidate's.
 *
 * <p>{@code path} is an RFC 6901 pointer: {@code /status} for {@link Kind#STATUS};
 * {@code /headers/<lower-case name>} for {@link Kind#HEADER} (escaped per RFC 6901); for
 * {@link Kind#BODY} the pointer inside the body document, {@code ""} for the whole body. Status and header
 * operations therefore apply to the document {@code {"status": …, "headers": {name: value}}}, body
 * operations to the normalised body document described in {@link ResponseDiffer}.
 *
 * <p>The JSON values are shared, not copied: treat them as read-only.
 *
 * @param kind what part of the response differs
 * @param op {@code add}, {@code remove} or {@code replace} (RFC 6902 §4)
 * @param path where, as an RFC 6901 pointer
 * @param reference the value on the reference side; {@code null} exactly for {@code add}
 * @param candidate the value on the candidate side; {@code null} exactly for {@code remove}
 */
public record Difference(Kind kind, String op, String path, JsonNode reference, JsonNode candidate) {
    /** The part of a response a difference is in. */
    public enum Kind { STATUS, HEADER, BODY }

    /** RFC 6902 {@code add}: only the candidate has a value here. */
    public static final String ADD = "add";
    /** RFC 6902 {@code remove}: only the reference has a value here. */
    public static final String REMOVE = "remove";
    /** RFC 6902 {@code replace}: both have a value here, and they differ. */
    public static final String REPLACE = "replace";

    /**
     * @throws IllegalArgumentException if {@code op} is not one of the three, the path is not a pointer, or
     *         the values present do not fit the operation
     * @throws NullPointerException if {@code kind}, {@code op} or {@code path} is null
     */
    public Difference {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(path, "path");
        if (!path.isEmpty() && path.charAt(0) != '/') {
            throw new IllegalArgumentException("path '" + path + "' is not a JSON pointer (RFC 6901)");
        }
        boolean fits = switch (op) {
            case ADD -> reference == null && candidate != null;
            case REMOVE -> reference != null && candidate == null;
            case REPLACE -> reference != null && candidate != null;
            default -> throw new IllegalArgumentException("op '" + op + "' is none of add, remove, replace");
        };
        if (!fits) {
            throw new IllegalArgumentException(op + " at '" + path + "' with reference " + reference
                    + " and candidate " + candidate);
        }
    }

    /**
     * The RFC 6902 operation that turns the reference into the candidate here:
     * {@code {"op": …, "path": …, "value": candidate}}, without {@code value} for {@code remove}. As an
     * extension (not in RFC 6902, and ignored by patch processors that skip unknown members as §4 asks), a
     * member {@code "was"} holds the reference's value for {@code remove} and {@code replace}.
     *
     * @return a new object each call
     */
    public ObjectNode toPatchOperation() {
        ObjectNode operation = JsonNodeFactory.instance.objectNode();
        operation.put("op", op);
        operation.put("path", path);
        if (candidate != null) {
            operation.set("value", candidate);
        }
        if (reference != null) {
            operation.set("was", reference);
        }
        return operation;
    }

    /**
     * The key the same field is counted under across requests: {@code KIND:path}, where for body
     * differences every token with an array index's syntax (RFC 6901 §4: {@code 0} or digits without a
     * leading zero) is replaced by {@code *}, so {@code /items/3/price} and {@code /items/7/price} are one
     * field. A member named like a number ({@code {"2024": …}}) is folded the same way.
     *
     * @return for example {@code BODY:/items/*}{@code /price}, {@code HEADER:/headers/etag}, {@code STATUS:/status}
     */
    public String noiseKey() {
        if (kind != Kind.BODY || path.isEmpty()) {
            return kind.name() + ':' + path;
        }
        StringBuilder key = new StringBuilder(kind.name().length() + 1 + path.length()).append(kind.name()).append(':');
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            // an escaped token never has an index's syntax unless the raw one has, so no unescaping needed
            String token = path.substring(start, end);
            key.append('/').append(Pointers.isIndex(token) ? "*" : token);
            start = end + 1;
        }
        return key.toString();
    }
}
