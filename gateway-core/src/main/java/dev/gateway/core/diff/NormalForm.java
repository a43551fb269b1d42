package dev.gateway.core.diff;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two forms a body document takes before it is diffed.
 *
 * <p>The <em>normal form</em> (what reported pointers address, see {@link ResponseDiffer}): ignored places
 * dropped; numbers by value (an integer that fits a long as that long, any other number as its decimal
 * with trailing zeros stripped, so {@code 1}, {@code 1.0} and {@code 1e0} are one value); {@code set} and
 * {@code key:FIELD} arrays sorted canonically by their elements' sort keys (below).
 *
 * <p>The <em>diff form</em>, what zjsonpatch compares: the normal form with each {@code set} or keyed array
 * turned into a <em>wrapper</em>, an array holding one object whose members are the elements under their
 * sort keys, plus a marker member ({@link #MARK}). zjsonpatch then pairs elements by sort key as it pairs
 * object members: a key on one side only is an {@code add} or {@code remove}, a key on both sides is
 * compared member by member. The wrapper array (rather than a bare object) keeps a type change visible: an
 * array against an object stays one {@code replace}. Sort keys start with {@code U+0000} and genuine
 * member names starting with {@code U+0000} or {@code U+0001} get a {@code U+0001} prefix, so nothing in
 * a document can pass for a wrapper.
 *
 * <p>Sort keys (compared as strings): {@code U+0000 'k' canonical(key value) U+0000 occurrence} for a keyed
 * element, {@code U+0000 's' canonical(element) U+0000 occurrence} for a set element or a keyed array's
 * element without the key, where canonical is the element's JSON text with members sorted by name and
 * occurrence counts, from 0 and zero-padded, the earlier elements with the same text. So keyed elements come
 * first, in key order; equal elements are told apart by occurrence, which makes set comparison a multiset
 * comparison.
 */
final class NormalForm {
    /** The marker member of a wrapper's object. */
    static final String MARK = "\u0000";

    private static final char ESCAPE = '\u0001';
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectWriter CANONICAL = JsonMapper.builder()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .build()
            .writer();

    private final DiffRules rules;

    NormalForm(DiffRules rules) {
        this.rules = rules;
    }

    /**
     * The diff form of a parsed document, or {@code null} if an ignore pattern matches the whole document.
     */
    JsonNode diffForm(JsonNode document) {
        List<Object> path = new ArrayList<>();
        if (rules.hasIgnores() && rules.ignored(path)) {
            return null;
        }
        return transform(document, path);
    }

    /** The normal form of a parsed document ({@code null} when ignored whole): for tests and samples. */
    JsonNode normalForm(JsonNode document) {
        JsonNode diff = diffForm(document);
        return diff == null ? null : normal(diff);
    }

    private JsonNode transform(JsonNode node, List<Object> path) {
        if (node.isObject()) {
            ObjectNode out = NODES.objectNode();
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                path.add(member.getKey());
                if (!rules.hasIgnores() || !rules.ignored(path)) {
                    out.set(escape(member.getKey()), transform(member.getValue(), path));
                }
                path.remove(path.size() - 1);
            }
            return out;
        }
        if (node.isArray()) {
            ArrayMode mode = rules.hasArrayModes() ? rules.arrayMode(path) : ArrayMode.ORDERED;
            List<JsonNode> elements = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                path.add(i);
                if (!rules.hasIgnores() || !rules.ignored(path)) {
                    elements.add(transform(node.get(i), path));
                }
                path.remove(path.size() - 1);
            }
            return mode.kind() == ArrayMode.Kind.ORDERED ? NODES.arrayNode().addAll(elements) : wrap(elements, mode);
        }
        if (node.isNumber()) {
            return number(node);
        }
        return node; // text, boolean, null: immutable nodes, shared
    }

    private static JsonNode number(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return NODES.numberNode(node.longValue());
        }
        BigDecimal value = node.decimalValue().stripTrailingZeros();
        if (value.scale() <= 0 && value.precision() - value.scale() <= 19) {
            try {
                return NODES.numberNode(value.longValueExact());
            } catch (ArithmeticException e) {
                // beyond a long: stays a decimal
            }
        }
        // a huge exponent stays a decimal too: never expanded into its digits
        return NODES.numberNode(value);
    }

    private static ArrayNode wrap(List<JsonNode> elements, ArrayMode mode) {
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        Map<String, Integer> seen = new HashMap<>();
        String keyField = mode.kind() == ArrayMode.Kind.KEYED ? escape(mode.keyField()) : null;
        for (JsonNode element : elements) {
            JsonNode key = keyField != null && element.isObject() ? element.get(keyField) : null;
            String stem = key != null ? "\u0000k" + canonical(key) : "\u0000s" + canonical(element);
            int occurrence = seen.merge(stem, 1, Integer::sum) - 1;
            sorted.put(stem + MARK + String.format("%010d", occurrence), element);
        }
        ObjectNode members = NODES.objectNode();
        members.putNull(MARK);
        sorted.forEach(members::set);
        return NODES.arrayNode().add(members);
    }

    /** Whether a diff-form node is a wrapper (a {@code set} or keyed array). */
    static boolean isWrapper(JsonNode node) {
        return node.isArray() && node.size() == 1 && node.get(0).isObject() && node.get(0).has(MARK);
    }

    /**
     * The normal form of a diff-form node: wrappers back to arrays sorted by sort key, member names
     * unescaped. Always a new tree.
     */
    static JsonNode normal(JsonNode node) {
        if (isWrapper(node)) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            for (Map.Entry<String, JsonNode> member : node.get(0).properties()) {
                if (!MARK.equals(member.getKey())) {
                    sorted.put(member.getKey(), member.getValue());
                }
            }
            ArrayNode out = NODES.arrayNode();
            sorted.values().forEach(element -> out.add(normal(element)));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            node.forEach(element -> out.add(normal(element)));
            return out;
        }
        if (node.isObject()) {
            ObjectNode out = NODES.objectNode();
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                out.set(unescape(member.getKey()), normal(member.getValue()));
            }
            return out;
        }
        return node;
    }

    /** The number of sort keys in a wrapper's object that sort before {@code key}: its index in the normal form. */
    static int rank(JsonNode wrapperObject, String key) {
        int rank = 0;
        for (Map.Entry<String, JsonNode> member : wrapperObject.properties()) {
            String name = member.getKey();
            if (!MARK.equals(name) && name.compareTo(key) < 0) {
                rank++;
            }
        }
        return rank;
    }

    /** A genuine member name in the diff form. */
    static String escape(String name) {
        if (!name.isEmpty() && (name.charAt(0) == MARK.charAt(0) || name.charAt(0) == ESCAPE)) {
            return ESCAPE + name;
        }
        return name;
    }

    /** A diff-form member name back to the document's. */
    static String unescape(String name) {
        return !name.isEmpty() && name.charAt(0) == ESCAPE ? name.substring(1) : name;
    }

    private static String canonical(JsonNode node) {
        try {
            return CANONICAL.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree did not serialise", e);
        }
    }
}
