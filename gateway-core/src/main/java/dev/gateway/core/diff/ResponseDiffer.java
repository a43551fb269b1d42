package dev.gateway.core.diff;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Compares a reference response with a candidate response and lists their differences as RFC 6902
 * operations ({@link Difference}) that turn the reference into the candidate. Stateless after
 * construction and thread-safe; meant for worker threads (comparing JSON bodies is CPU work that grows
 * with their size), never an event loop.
 *
 * <h2>What is compared, in this order</h2>
 * <ol>
 * <li>The status: a {@code replace} at {@code /status}.</li>
 * <li>The headers {@link DiffRules} names, in its order: {@code add}, {@code remove} or {@code replace} at
 * {@code /headers/<name>}; values compared as exact strings.</li>
 * <li>The body, in one of three ways:
 * <ul>
 * <li>Either side truncated ({@link ObservedResponse#bodyTruncated()}): no structural comparison. One
 * {@code replace} at {@code ""} if the captured bytes differ, or if only one side was truncated (its body
 * is then longer than the other's whole one); its values are summaries, flagged
 * {@code "truncated": true}.</li>
 * <li>Both sides JSON: compared structurally (below). A side is JSON when its {@code content-type} contains
 * {@code json} (any case: {@code application/json}, {@code application/problem+json}, …) and its body parses
 * as exactly one JSON value; content is never sniffed.</li>
 * <li>Otherwise (neither is JSON, or one is and the other is not) the bytes are compared: one
 * {@code replace} at {@code ""} if they differ. Its values summarise each body: the text when it is at
 * most 256 bytes of valid UTF-8, else {@code {"bytes": N, "sha256": "<hex>"}}. Equal bytes under different
 * content types are not a body difference (the {@code content-type} header is, when compared).</li>
 * </ul></li>
 * </ol>
 *
 * <h2>Structural comparison</h2>
 * Both documents are first brought to their <em>normal form</em>: places the rules ignore dropped
 * (ignoring the root skips the body altogether); numbers by value ({@code 1}, {@code 1.0} and
 * {@code 1e0} are equal, and are reported as {@code 1}); {@code set} arrays sorted by their elements'
 * canonical JSON text (members sorted by name); {@code key:FIELD} arrays sorted by the canonical text of
 * each element's key, elements without the key after them as in a set. Object member order never matters.
 * The normal forms are then diffed by zjsonpatch with move and copy detection off, so every operation is
 * {@code add}, {@code remove} or {@code replace}; {@code ordered} arrays are aligned by their longest
 * common subsequence, so an inserted element is one {@code add}.
 *
 * <h2>What the pointers mean</h2>
 * Body pointers address the reference's normal form <em>as the operations are applied in order</em>
 * (RFC 6902 §3): applying every reported body operation in order to the reference's normal form gives the
 * candidate's. An index into an {@code ordered} array is the element's position at that point of the
 * patch. An index into a {@code set} or {@code key:FIELD} array is the element's position in the sorted
 * array at that point of the patch: a {@code remove} of a set element names its place among the elements
 * still there, an {@code add} the place the candidate's element takes, a {@code replace} inside a keyed
 * element (say {@code /items/1/price}) the sorted position of the element whose key both sides share.
 * The key itself is not in the pointer; the body samples ({@link DiffSamples}) show it. Member names are
 * escaped per RFC 6901 ({@code a/b} as {@code a~1b}, {@code m~n} as {@code m~0n}).
 *
 * <h2>Limits</h2>
 * At most {@link #MAX_DIFFERENCES} differences are returned per comparison: the first ones in the order
 * above (so a capped list is still a patch that applies). {@code list.size() == MAX_DIFFERENCES} means
 * there may be more.
 */
public final class ResponseDiffer {
    /** The most differences one comparison reports. */
    public static final int MAX_DIFFERENCES = 100;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS) // 0.1 as written, not as a double
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)   // "1 2" is not one JSON value
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final DiffRules rules;
    private final NormalForm normalForm;

    /** @param rules what is compared */
    public ResponseDiffer(DiffRules rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.normalForm = new NormalForm(rules);
    }

    /**
     * @param reference the response taken as right (the old stack, or the first of two calls)
     * @param candidate the response compared with it
     * @return the differences, at most {@link #MAX_DIFFERENCES}, empty when the responses agree on
     *         everything compared; an unmodifiable list
     */
    public List<Difference> diff(ObservedResponse reference, ObservedResponse candidate) {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(candidate, "candidate");
        List<Difference> out = new ArrayList<>();
        if (reference.status() != candidate.status()) {
            // long nodes, as numbers in bodies are reported: equal numbers are equal nodes
            out.add(new Difference(Difference.Kind.STATUS, Difference.REPLACE, "/status",
                    NODES.numberNode((long) reference.status()), NODES.numberNode((long) candidate.status())));
        }
        for (String name : rules.headers()) {
            String was = reference.header(name);
            String now = candidate.header(name);
            if (Objects.equals(was, now)) {
                continue;
            }
            String op = was == null ? Difference.ADD : now == null ? Difference.REMOVE : Difference.REPLACE;
            out.add(new Difference(Difference.Kind.HEADER, op, Pointers.append("/headers", name),
                    was == null ? null : NODES.textNode(was), now == null ? null : NODES.textNode(now)));
        }
        compareBodies(reference, candidate, out);
        return List.copyOf(out.size() > MAX_DIFFERENCES ? out.subList(0, MAX_DIFFERENCES) : out);
    }

    private void compareBodies(ObservedResponse reference, ObservedResponse candidate, List<Difference> out) {
        byte[] was = reference.bodyBytes();
        byte[] now = candidate.bodyBytes();
        if (reference.bodyTruncated() || candidate.bodyTruncated()) {
            if (!Arrays.equals(was, now) || reference.bodyTruncated() != candidate.bodyTruncated()) {
                out.add(wholeBody(BodySummary.of(was, reference.bodyTruncated()),
                        BodySummary.of(now, candidate.bodyTruncated())));
            }
            return;
        }
        JsonNode wasJson = parseJson(reference);
        JsonNode nowJson = wasJson == null ? null : parseJson(candidate);
        if (wasJson == null || nowJson == null) {
            if (!Arrays.equals(was, now)) {
                out.add(wholeBody(BodySummary.of(was, false), BodySummary.of(now, false)));
            }
            return;
        }
        JsonNode wasForm = normalForm.diffForm(wasJson);
        JsonNode nowForm = normalForm.diffForm(nowJson);
        if (wasForm == null || nowForm == null) {
            return; // an ignore pattern covers the whole body
        }
        try {
            out.addAll(BodyPatch.diff(wasForm, nowForm, MAX_DIFFERENCES - out.size()));
        } catch (RuntimeException e) {
            // Not expected (BodyPatch maps every operation zjsonpatch emits for the diff form); should a
            // library change break the mapping, the difference is still reported, whole.
            out.add(wholeBody(NormalForm.normal(wasForm), NormalForm.normal(nowForm)));
        }
    }

    private static Difference wholeBody(JsonNode was, JsonNode now) {
        return new Difference(Difference.Kind.BODY, Difference.REPLACE, "", was, now);
    }

    /** The body as one JSON value when the content type says JSON and it parses; else {@code null}. */
    private static JsonNode parseJson(ObservedResponse response) {
        String type = response.header("content-type");
        if (type == null || !type.toLowerCase(Locale.ROOT).contains("json") || response.bodyLength() == 0) {
            return null;
        }
        try {
            JsonNode document = JSON.readTree(response.bodyBytes());
            return document == null || document.isMissingNode() ? null : document;
        } catch (IOException e) {
            return null; // not JSON after all: compared as bytes
        }
    }

    /** The normal form of a parsed document under these rules, {@code null} if ignored whole (for tests). */
    JsonNode normalForm(JsonNode document) {
        return normalForm.normalForm(document);
    }

    /** Parses as the differ does (for tests). */
    static JsonNode parse(byte[] json) throws IOException {
        return JSON.readTree(json);
    }
}
