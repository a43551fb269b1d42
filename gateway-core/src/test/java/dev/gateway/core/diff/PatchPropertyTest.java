package dev.gateway.core.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * For many random pairs of documents: the reported operations, applied in order with zjsonpatch to the
 * reference's normal form, give the candidate's; equal normal forms give no operation.
 */
class PatchPropertyTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    // no name with ~0 or ~1 in it: zjsonpatch 0.4.16's JsonPatch.apply unescapes pointers twice
    private static final String[] NAMES = {"a", "b", "id", "tags", "items", "traceId", "a/b", "m~n", "~",
        "\u0000x", "\u0001y", "", "0"};
    private static final String[] WORDS = {"x", "y", "z", "~", "/"};

    private final SplittableRandom random = new SplittableRandom(0x5eed);

    @Test
    void theReportedOperationsTurnTheReferenceIntoTheCandidate() throws Exception {
        Map<String, String> arrays = new LinkedHashMap<>();
        arrays.put("/**/tags", "set");
        arrays.put("/**/items", "key:id");
        ResponseDiffer differ = new ResponseDiffer(DiffRules.of(List.of(), List.of("/**/traceId"), arrays));
        int compared = 0;
        int differing = 0;
        for (int i = 0; i < 3_000; i++) {
            JsonNode reference = object(0);
            JsonNode candidate = mutate(reference.deepCopy());
            List<Difference> diffs = differ.diff(response(reference), response(candidate));
            if (diffs.size() == ResponseDiffer.MAX_DIFFERENCES) {
                continue; // capped: a prefix of the patch, not all of it
            }
            compared++;
            JsonNode from = differ.normalForm(reference);
            JsonNode to = differ.normalForm(candidate);
            ArrayNode patch = Responses.patch(diffs);
            String context = "case " + i + "\nreference " + reference + "\ncandidate " + candidate + "\npatch " + patch;
            for (Difference d : diffs) {
                // the roots stay objects: a whole-body replace here would be the differ's fallback
                assertFalse(d.path().isEmpty(), context);
                Pointers.parse(d.path()); // throws unless RFC 6901
                assertFalse(Pointers.parse(d.path()).contains("traceId"), context);
            }
            assertEquals(to, JsonPatch.apply(patch, from), context);
            assertEquals(from.equals(to), diffs.isEmpty(), context);
            if (!diffs.isEmpty()) {
                differing++;
            }
        }
        assertTrue(compared > 2_900, "too many capped: " + compared);
        assertTrue(differing > 1_500, "the mutations should mostly change something: " + differing);
    }

    private static ObservedResponse response(JsonNode body) throws Exception {
        return ObservedResponse.of(200, Map.of("content-type", "application/json").entrySet(),
                Responses.JSON.writeValueAsBytes(body), false);
    }

    private JsonNode value(int depth) {
        int pick = random.nextInt(depth >= 3 ? 5 : 8);
        return switch (pick) {
            case 0 -> NODES.numberNode(random.nextInt(4));
            case 1 -> NODES.numberNode(new BigDecimal(random.nextInt(4) + (random.nextBoolean() ? ".0" : ".5")));
            case 2 -> NODES.textNode(WORDS[random.nextInt(WORDS.length)]);
            case 3 -> random.nextBoolean() ? NODES.booleanNode(random.nextBoolean()) : NODES.nullNode();
            case 4 -> NODES.numberNode(random.nextInt(2));
            case 5 -> array(depth + 1);
            default -> object(depth + 1);
        };
    }

    private ObjectNode object(int depth) {
        ObjectNode object = NODES.objectNode();
        int members = random.nextInt(depth == 0 ? 2 : 0, 5);
        for (int i = 0; i < members; i++) {
            String name = NAMES[random.nextInt(NAMES.length)];
            object.set(name, "items".equals(name) ? items(depth + 1) : value(depth));
        }
        return object;
    }

    private ArrayNode array(int depth) {
        ArrayNode array = NODES.arrayNode();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            array.add(value(depth));
        }
        return array;
    }

    /** Elements mostly objects with a small id (duplicates and missing ids included), sometimes anything. */
    private ArrayNode items(int depth) {
        ArrayNode array = NODES.arrayNode();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(6) == 0) {
                array.add(value(depth));
                continue;
            }
            ObjectNode item = depth < 3 ? object(depth + 1) : NODES.objectNode();
            if (random.nextInt(5) > 0) {
                item.put("id", random.nextInt(4));
            }
            array.add(item);
        }
        return array;
    }

    /** A few random edits anywhere in the tree: values changed, members and elements added, removed, moved. */
    private JsonNode mutate(JsonNode root) {
        int edits = random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            List<JsonNode> containers = new ArrayList<>();
            collect(root, containers);
            JsonNode target = containers.get(random.nextInt(containers.size()));
            if (target instanceof ObjectNode object) {
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                int op = random.nextInt(3);
                if (op == 0 || names.isEmpty()) {
                    String name = NAMES[random.nextInt(NAMES.length)];
                    object.set(name, "items".equals(name) ? items(2) : value(2));
                } else if (op == 1) {
                    object.remove(names.get(random.nextInt(names.size())));
                } else {
                    String name = names.get(random.nextInt(names.size()));
                    if (object.get(name).isNumber()) {
                        String plain = object.get(name).decimalValue().toPlainString();
                        object.put(name, new BigDecimal(plain + (plain.contains(".") ? "0" : ".0"))); // same value
                    } else {
                        object.set(name, value(3));
                    }
                }
            } else if (target instanceof ArrayNode array) {
                int op = random.nextInt(4);
                if (op == 0 || array.isEmpty()) {
                    array.insert(random.nextInt(array.size() + 1), value(3));
                } else if (op == 1) {
                    array.remove(random.nextInt(array.size()));
                } else if (op == 2) {
                    array.add(array.remove(random.nextInt(array.size()))); // moved to the end
                } else {
                    array.set(random.nextInt(array.size()), value(3));
                }
            }
        }
        return root;
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            node.forEach(child -> collect(child, containers));
        }
    }
}
