package dev.gateway.cli.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gateway.core.capture.CaptureRecord;
import dev.gateway.core.diff.DiffRules;
import dev.gateway.core.diff.ObservedResponse;
import dev.gateway.core.diff.ResponseDiffer;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The replay's comparison: gateway-core's {@link ResponseDiffer}, the engine that compares the gateway's
 * shadow traffic, under the {@link DiffRules} the replay was given ({@code --header}, {@code --ignore},
 * {@code --array}). A's answer is the reference, B's the candidate, so each difference is the RFC 6902
 * operation that turns A's into B's. What is compared, how JSON bodies are normalised (member order and
 * number spelling do not count) and what the pointers address is {@link ResponseDiffer}'s: the status, the
 * headers named, JSON bodies member by member, other bodies byte for byte. At most
 * {@link ResponseDiffer#MAX_DIFFERENCES} differences per record. The replay reads whole answers, so no body
 * is ever truncated here. Thread-safe.
 */
public final class DiffComparison implements ResponseComparison {
    private static final ObjectWriter COMPACT = JsonMapper.builder().build().writer();

    private final ResponseDiffer differ;

    public DiffComparison(DiffRules rules) {
        this.differ = new ResponseDiffer(rules);
    }

    @Override
    public List<Difference> compare(CaptureRecord request, Response a, Response b) {
        List<dev.gateway.core.diff.Difference> found = differ.diff(observed(a), observed(b));
        List<Difference> out = new ArrayList<>(found.size());
        for (dev.gateway.core.diff.Difference d : found) {
            String kind = d.kind().name();
            // noiseKey() is "KIND:path" with the array indices of a body path as *
            out.add(new Difference(Kind.valueOf(kind), d.op(), d.path(), d.noiseKey().substring(kind.length() + 1),
                    text(d.reference()), text(d.candidate())));
        }
        return out;
    }

    /** An answer as the engine takes it: every header line, names in any case. */
    static ObservedResponse observed(Response r) {
        List<Map.Entry<String, String>> lines = new ArrayList<>();
        r.headers().map().forEach((name, values) -> values.forEach(v -> lines.add(Map.entry(name, v))));
        return ObservedResponse.of(r.status(), lines, r.body(), false);
    }

    private static String text(JsonNode value) {
        if (value == null) {
            return null;
        }
        try {
            return COMPACT.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // not expected: a tree the engine built writes
        }
    }
}
