package dev.gateway.core.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.DiffFlags;
import com.flipkart.zjsonpatch.JsonDiff;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The structural comparison of two body documents in diff form ({@link NormalForm}): zjsonpatch's
 * RFC 6902 diff, its pointers carried back to the normal form.
 *
 * <p>zjsonpatch runs without move and copy detection, so every operation is an {@code add}, {@code remove}
 * or {@code replace}, and with the original value on {@code replace} (its {@code fromValue}; a
 * {@code remove} carries the removed value). Its pointers address the diff form as the patch is applied in
 * order (RFC 6902 §3); each is mapped against a working copy of the reference that the operations before
 * it were applied to: a wrapper's {@code /0/<sort key>} becomes the rank of that sort key among the
 * wrapper's current keys, which is the element's index in the sorted array of the normal form at that
 * point of the patch; escaped member names are unescaped. So the reported operations, applied in order to
 * the reference's normal form, give the candidate's.
 *
 * <p>The working copy is patched here rather than with zjsonpatch's {@code JsonPatch}: in 0.4.16 its
 * pointer parser unescapes twice, so a member named {@code ~1} (pointer {@code /~01}) is taken for one
 * named {@code /}.
 */
final class BodyPatch {
    private static final EnumSet<DiffFlags> FLAGS = EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION,
            DiffFlags.OMIT_COPY_OPERATION, DiffFlags.ADD_ORIGINAL_VALUE_ON_REPLACE);

    private BodyPatch() {
    }

    /**
     * @param reference the reference body in diff form
     * @param candidate the candidate body in diff form
     * @param limit the most differences to return
     * @return the first {@code limit} differences, kind {@code BODY}, in patch order
     * @throws IllegalStateException if zjsonpatch addresses a place the mapping does not expect
     */
    static List<Difference> diff(JsonNode reference, JsonNode candidate, int limit) {
        List<Difference> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        JsonNode patch = JsonDiff.asJson(reference, candidate, FLAGS);
        JsonNode working = reference.deepCopy();
        for (JsonNode operation : patch) {
            String op = operation.path("op").asText();
            JsonNode was = switch (op) {
                case Difference.REPLACE -> operation.get("fromValue");
                case Difference.REMOVE -> operation.get("value");
                case Difference.ADD -> null;
                default -> throw new IllegalStateException("zjsonpatch emitted '" + op + "'");
            };
            JsonNode now = Difference.REMOVE.equals(op) ? null : operation.get("value");
            List<String> tokens = Pointers.parse(operation.path("path").asText());
            String path = tokens.isEmpty() ? "" : apply(working, tokens, op, now);
            out.add(new Difference(Difference.Kind.BODY, op, path,
                    was == null ? null : NormalForm.normal(was), now == null ? null : NormalForm.normal(now)));
            if (out.size() >= limit || tokens.isEmpty()) {
                break; // a whole-document replace is the patch's only operation
            }
        }
        return out;
    }

    /**
     * Applies one operation to the working copy.
     *
     * @param tokens the operation's diff-form pointer, not empty
     * @return the pointer in the normal form, before the operation was applied
     */
    private static String apply(JsonNode working, List<String> tokens, String op, JsonNode value) {
        StringBuilder path = new StringBuilder();
        JsonNode parent = null;
        JsonNode node = working;
        String last = null;
        for (int i = 0; i < tokens.size(); i++) {
            if (node == null) {
                throw new IllegalStateException("the patch addresses below a missing place: " + tokens);
            }
            String token = tokens.get(i);
            if (NormalForm.isWrapper(node)) {
                if (!"0".equals(token) || i + 1 == tokens.size()) {
                    throw new IllegalStateException("the patch addresses a set or keyed array's wrapper: " + tokens);
                }
                node = node.get(0);
                token = tokens.get(++i);
                path.append('/').append(NormalForm.rank(node, token));
            } else if (node.isArray()) {
                path.append('/').append(token);
            } else if (node.isObject()) {
                path.append('/').append(Pointers.escape(NormalForm.unescape(token)));
            } else {
                throw new IllegalStateException("the patch addresses inside a scalar: " + tokens);
            }
            parent = node;
            last = token;
            node = node.isArray() ? node.get(Integer.parseInt(token)) : node.get(token);
        }
        // a copy, so the working tree never shares nodes with the candidate's
        JsonNode copy = value == null ? null : value.deepCopy();
        if (parent instanceof ObjectNode object) {
            if (copy == null) {
                object.remove(last);
            } else {
                object.set(last, copy);
            }
        } else {
            ArrayNode array = (ArrayNode) parent;
            int index = Integer.parseInt(last);
            switch (op) {
                case Difference.ADD -> array.insert(index, copy);
                case Difference.REMOVE -> array.remove(index);
                default -> array.set(index, copy);
            }
        }
        return path.toString();
    }
}
