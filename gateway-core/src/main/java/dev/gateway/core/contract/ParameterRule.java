package dev.gateway.core.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.Schema;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * One path, query or header parameter of an operation. Parameters arrive as text; the value is first
 * read as the schema's type ({@code "42"} → 42 for an integer), then checked against the schema.
 */
final class ParameterRule {
    /** The JSON type a parameter's text is read as. */
    enum Kind { STRING, INTEGER, NUMBER, BOOLEAN }

    final String name;
    final String in;
    final boolean required;
    final Kind kind;
    final String location;
    private final Schema schema;
    private final ContractSchemas schemas;

    ParameterRule(String name, String in, boolean required, Kind kind, Schema schema, ContractSchemas schemas) {
        this.schemas = schemas;
        this.name = name;
        this.in = in;
        this.required = required;
        this.kind = kind;
        this.schema = schema;
        this.location = in + "/" + name;
    }

    void check(String text, Violations out) {
        JsonNode value = read(text);
        if (value == null) {
            out.add(location, "must be " + (kind == Kind.INTEGER ? "an integer" : kind == Kind.NUMBER ? "a number"
                    : "true or false"));
            return;
        }
        if (schema != null) {
            schemas.validate(schema, value, location, out);
        }
    }

    /** @return the value as its schema's type, or {@code null} when the text is not of that type */
    private JsonNode read(String text) {
        switch (kind) {
            case INTEGER:
                if (!isInteger(text)) {
                    return null;
                }
                return text.length() < 19 ? LongNode.valueOf(Long.parseLong(text))
                        : com.fasterxml.jackson.databind.node.BigIntegerNode.valueOf(new BigInteger(text));
            case NUMBER:
                if (!isDecimal(text)) {
                    return null;
                }
                try {
                    return DecimalNode.valueOf(new BigDecimal(text));
                } catch (NumberFormatException | ArithmeticException e) {
                    return null;
                }
            case BOOLEAN:
                return text.equals("true") ? BooleanNode.TRUE : text.equals("false") ? BooleanNode.FALSE : null;
            default:
                return TextNode.valueOf(text);
        }
    }

    private static boolean isInteger(String s) {
        int i = s.startsWith("-") ? 1 : 0;
        if (i == s.length() || s.length() > 40) {
            return false;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Plain decimal notation, optionally with an exponent; never NaN, Infinity or hex. */
    private static boolean isDecimal(String s) {
        if (s.isEmpty() || s.length() > 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E') {
                return false;
            }
        }
        return true;
    }
}
