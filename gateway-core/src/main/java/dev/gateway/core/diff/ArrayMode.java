package dev.gateway.core.diff;

/**
 * How the elements of an array are paired when two documents are compared: by position ({@code ordered}),
 * as a multiset of whole values ({@code set}), or by the value of one member of each element
 * ({@code key:FIELD}).
 *
 * @param kind which of the three
 * @param keyField the member name elements are matched by, for {@link Kind#KEYED}; else {@code null}
 */
record ArrayMode(Kind kind, String keyField) {
    enum Kind { ORDERED, SET, KEYED }

    static final ArrayMode ORDERED = new ArrayMode(Kind.ORDERED, null);
    static final ArrayMode SET = new ArrayMode(Kind.SET, null);

    private static final String KEY_PREFIX = "key:";

    /**
     * @param text {@code ordered}, {@code set} or {@code key:FIELD} (FIELD a member name, not empty)
     * @throws IllegalArgumentException for anything else
     */
    static ArrayMode parse(String text) {
        if ("ordered".equals(text)) {
            return ORDERED;
        }
        if ("set".equals(text)) {
            return SET;
        }
        if (text != null && text.startsWith(KEY_PREFIX)) {
            String field = text.substring(KEY_PREFIX.length());
            if (field.isEmpty()) {
                throw new IllegalArgumentException("'key:' needs a member name, as in key:id");
            }
            return new ArrayMode(Kind.KEYED, field);
        }
        throw new IllegalArgumentException("unknown array mode; use ordered, set or key:FIELD");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ORDERED -> "ordered";
            case SET -> "set";
            case KEYED -> KEY_PREFIX + keyField;
        };
    }
}
