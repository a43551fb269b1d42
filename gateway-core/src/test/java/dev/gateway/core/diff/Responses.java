package dev.gateway.core.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.flipkart.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Test helpers: responses from JSON text, patches from differences. */
final class Responses {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final ResponseDiffer PLAIN = new ResponseDiffer(DiffRules.of(List.of(), List.of(), Map.of()));

    private Responses() {
    }

    static ObservedResponse json(String body) {
        return json(200, body);
    }

    static ObservedResponse json(int status, String body) {
        return ObservedResponse.of(status, Map.of("Content-Type", "application/json").entrySet(),
                body.replace('\'', '"').getBytes(StandardCharsets.UTF_8), false);
    }

    static ObservedResponse text(String contentType, String body) {
        return ObservedResponse.of(200, Map.of("Content-Type", contentType).entrySet(),
                body.getBytes(StandardCharsets.UTF_8), false);
    }

    static JsonNode str(String text) {
        return JsonNodeFactory.instance.textNode(text);
    }

    /** JSON text with ' for ", parsed as the differ parses and with numbers as it reports them. */
    static JsonNode tree(String json) {
        try {
            return PLAIN.normalForm(ResponseDiffer.parse(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body differences as one RFC 6902 patch, "was" members and all. */
    static ArrayNode patch(List<Difference> diffs) {
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        for (Difference d : diffs) {
            assertEquals(Difference.Kind.BODY, d.kind(), d.toString());
            patch.add(d.toPatchOperation());
        }
        return patch;
    }

    /** Applies the reported operations to the reference's normal form and checks the candidate's comes out. */
    static void assertPatchTurns(ResponseDiffer differ, String reference, String candidate, List<Difference> diffs) {
        JsonNode from = differ.normalForm(tree(reference));
        JsonNode to = differ.normalForm(tree(candidate));
        assertEquals(to, JsonPatch.apply(patch(diffs), from), "patch " + patch(diffs) + " on " + from);
    }
}
