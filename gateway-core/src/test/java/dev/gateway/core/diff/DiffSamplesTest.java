package dev.gateway.core.diff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DiffSamplesTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00.123456Z"), ZoneOffset.UTC);

    private static ObservedResponse response(int status, String body, boolean truncated, String... headers) {
        List<Map.Entry<String, String>> lines = new ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            lines.add(Map.entry(headers[i], headers[i + 1]));
        }
        return ObservedResponse.of(status, lines, body.getBytes(StandardCharsets.UTF_8), truncated);
    }

    @Test
    void aLineHoldsTheRequestTheDifferencesAndBothResponses() throws Exception {
        ObservedResponse reference = response(200, "{\"price\":10}", false,
                "Content-Type", "application/json", "ETag", "v1");
        ObservedResponse candidate = response(200, "{\"price\":11}", false,
                "content-type", "application/json", "etag", "v2");
        List<Difference> diffs = new ResponseDiffer(DiffRules.of(List.of("etag"), List.of(), Map.of()))
                .diff(reference, candidate);

        ObjectNode line = new DiffSamples(1024, CLOCK).line("/trades/{id}", "req-1", "GET", "/trades/7?x=1", diffs,
                reference, candidate, false);
        String expected = """
                {"time":"2025-03-01T12:00:00.123Z","type":"diff-sample","comparison":"candidate",
                 "route":"/trades/{id}","requestId":"req-1","method":"GET","target":"/trades/7?x=1",
                 "differenceCount":2,
                 "differences":[{"kind":"HEADER","op":"replace","path":"/headers/etag","value":"v2","was":"v1"},
                                {"kind":"BODY","op":"replace","path":"/price","value":11,"was":10}],
                 "reference":{"status":200,"headers":{"content-type":"application/json","etag":"v1"},
                              "bodyBytes":12,"bodyTruncated":false,"bodyEncoding":"utf-8","body":"{\\"price\\":10}"},
                 "candidate":{"status":200,"headers":{"content-type":"application/json","etag":"v2"},
                              "bodyBytes":12,"bodyTruncated":false,"bodyEncoding":"utf-8","body":"{\\"price\\":11}"}}
                """;
        // the same members in the same order (the format is documented in that order)
        assertEquals(Responses.JSON.readTree(expected).toString(), line.toString());
        assertEquals("baseline", new DiffSamples(8).line("/r", null, "GET", "/r", List.of(), reference, reference, true)
                .path("comparison").asText());
    }

    @Test
    void credentialsAreNeverWritten() {
        ObservedResponse reference = response(200, "", false,
                "Authorization", "Bearer secret-1", "Set-Cookie", "s=secret-2",
                "X-API-Key", "secret-3", "Proxy-Authorization", "Basic secret-4", "Cookie", "c=secret-5", "X-Ok", "fine");
        ObservedResponse candidate = response(200, "", false, "set-cookie", "s=secret-6");
        List<Difference> diffs = new ResponseDiffer(DiffRules.of(List.of("set-cookie", "x-ok"), List.of(), Map.of()))
                .diff(reference, candidate);
        assertEquals(2, diffs.size());

        ObjectNode line = new DiffSamples(100).line("/r", "id", "GET", "/r", diffs, reference, candidate, false);
        String text = line.toString();
        assertFalse(text.contains("secret"), text);
        assertEquals("fine", line.path("reference").path("headers").path("x-ok").asText());
        JsonNode redacted = line.path("differences").get(0);
        assertEquals("/headers/set-cookie", redacted.path("path").asText());
        assertTrue(redacted.path("redacted").asBoolean());
        assertEquals("x-ok", line.path("differences").get(1).path("path").asText().substring("/headers/".length()));
    }

    @Test
    void bodiesAreCappedAsTextOnACharacterBoundaryOrAsBase64() {
        DiffSamples samples = new DiffSamples(5);
        // "aé€" is 1 + 2 + 3 bytes: five bytes end inside the euro sign, so the text stops before it
        ObservedResponse text = response(200, "aé€x", false);
        JsonNode out = samples.line("/r", null, "GET", "/r", List.of(), text, text, false).path("reference");
        assertEquals("aé", out.path("body").asText());
        assertEquals("utf-8", out.path("bodyEncoding").asText());
        assertEquals(7, out.path("bodyBytes").asInt());
        assertTrue(out.path("bodyTruncated").asBoolean());

        byte[] binary = {(byte) 0xff, 0, 1, 2, 3, 4, 5};
        ObservedResponse bytes = ObservedResponse.of(200, List.of(), binary, false);
        out = samples.line("/r", null, "GET", "/r", List.of(), bytes, bytes, false).path("candidate");
        assertEquals("base64", out.path("bodyEncoding").asText());
        assertArrayEquals(new byte[] {(byte) 0xff, 0, 1, 2, 3}, Base64.getDecoder().decode(out.path("body").asText()));
        assertTrue(out.path("bodyTruncated").asBoolean());

        ObservedResponse whole = response(200, "abc", false);
        out = new DiffSamples(3).line("/r", null, "GET", "/r", List.of(), whole, whole, false).path("reference");
        assertEquals("abc", out.path("body").asText());
        assertFalse(out.path("bodyTruncated").asBoolean(), "exactly the cap is not cut");

        ObservedResponse captured = response(200, "ab", true);
        out = new DiffSamples(3).line("/r", null, "GET", "/r", List.of(), captured, captured, false).path("reference");
        assertTrue(out.path("bodyTruncated").asBoolean(), "cut when captured");

        out = new DiffSamples(0).line("/r", null, "GET", "/r", List.of(), whole, whole, false).path("reference");
        assertEquals("", out.path("body").asText());
        assertThrows(IllegalArgumentException.class, () -> new DiffSamples(-1));
    }
}
