package dev.gateway.core.diff;

import static dev.gateway.core.diff.Responses.assertPatchTurns;
import static dev.gateway.core.diff.Responses.json;
import static dev.gateway.core.diff.Responses.str;
import static dev.gateway.core.diff.Responses.text;
import static dev.gateway.core.diff.Responses.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseDifferTest {
    private static final ResponseDiffer PLAIN = new ResponseDiffer(DiffRules.of(List.of(), List.of(), Map.of()));

    @Test
    void anInjectedFieldChangeIsOneReplaceWithWhatItWas() {
        String reference = "{'id':'t-1','price':10,'qty':3}";
        String candidate = "{'id':'t-1','price':11,'qty':3}";
        List<Difference> diffs = PLAIN.diff(json(reference), json(candidate));

        assertEquals(1, diffs.size(), diffs.toString());
        Difference d = diffs.get(0);
        assertEquals(Difference.Kind.BODY, d.kind());
        assertEquals("replace", d.op());
        assertEquals("/price", d.path());
        assertEquals(tree("{'op':'replace','path':'/price','value':11,'was':10}"), d.toPatchOperation());
        assertEquals("BODY:/price", d.noiseKey());
        assertPatchTurns(PLAIN, reference, candidate, diffs);
    }

    @Test
    void equalDocumentsDifferInNothingWhateverTheMemberOrderOrNumberSpelling() {
        List<Difference> diffs = PLAIN.diff(json("{'a':1,'b':[1.0,2e0,0.50],'c':{'x':null,'y':true}}"),
                json("{'c':{'y':true,'x':null},'b':[1,2,0.5],'a':1.000}"));
        assertEquals(List.of(), diffs);
        assertFalse(PLAIN.diff(json("{'a':1}"), json("{'a':1.5}")).isEmpty(), "1 and 1.5 still differ");
    }

    @Test
    void addsAndRemovesOfMembersCarryTheOneValueThereIs() {
        List<Difference> diffs = PLAIN.diff(json("{'gone':1,'kept':2}"), json("{'kept':2,'new':[3]}"));
        assertEquals(2, diffs.size(), diffs.toString());
        assertEquals(tree("{'op':'remove','path':'/gone','was':1}"), diffs.get(0).toPatchOperation());
        assertEquals(tree("{'op':'add','path':'/new','value':[3]}"), diffs.get(1).toPatchOperation());
        assertNull(diffs.get(1).reference());
    }

    @Test
    void knownDifferencesAreIgnoredByRule() {
        ResponseDiffer differ = new ResponseDiffer(DiffRules.of(List.of(),
                List.of("/**/traceId", "/items/*/updatedAt"), Map.of()));
        String reference = "{'traceId':'a','meta':{'traceId':'b','page':1},"
                + "'items':[{'id':1,'updatedAt':'t1','qty':1},{'id':2,'updatedAt':'t2','qty':2}]}";
        String candidate = "{'traceId':'x','meta':{'traceId':'y','page':1},"
                + "'items':[{'id':1,'updatedAt':'t8','qty':1},{'id':2,'updatedAt':'t9','qty':5}]}";

        List<Difference> diffs = differ.diff(json(reference), json(candidate));
        assertEquals(1, diffs.size(), diffs.toString());
        assertEquals("/items/1/qty", diffs.get(0).path());
        assertPatchTurns(differ, reference, candidate, diffs);

        // without the rules the same pair differs in five places
        assertEquals(5, PLAIN.diff(json(reference), json(candidate)).size());
        // ignoring the root skips the body
        ResponseDiffer all = new ResponseDiffer(DiffRules.of(List.of(), List.of("/**"), Map.of()));
        assertEquals(List.of(), all.diff(json(reference), json(candidate)));
    }

    @Test
    void pointersEscapeSlashAndTilde() {
        String reference = "{'a/b':1,'m~n':{'x/y~z':2},'\\u0000z':3,'\\u0001y':[1]}";
        String candidate = "{'a/b':2,'m~n':{'x/y~z':3},'\\u0000z':4,'\\u0001y':[2]}";
        List<Difference> diffs = PLAIN.diff(json(reference), json(candidate));
        assertEquals(List.of("/a~1b", "/m~0n/x~1y~0z", "/\u0000z", "/\u0001y/0"),
                diffs.stream().map(Difference::path).toList());
        assertPatchTurns(PLAIN, reference, candidate, diffs);

        // RFC 6901: a member named ~1 is /~01 (zjsonpatch 0.4.16's JsonPatch.apply misreads it, so no apply here)
        diffs = PLAIN.diff(json("{'~1':{'~0':1},'/':0}"), json("{'~1':{'~0':2},'/':0}"));
        assertEquals(List.of("/~01/~00"), diffs.stream().map(Difference::path).toList());
        assertEquals(List.of("~1", "~0"), Pointers.parse(diffs.get(0).path()));
    }

    @Test
    void statusDiffersAsAReplaceAtSlashStatus() {
        List<Difference> diffs = PLAIN.diff(json(200, "{}"), json(503, "{}"));
        assertEquals(1, diffs.size());
        assertEquals(tree("{'op':'replace','path':'/status','value':503,'was':200}"), diffs.get(0).toPatchOperation());
        assertEquals(Difference.Kind.STATUS, diffs.get(0).kind());
        assertEquals("STATUS:/status", diffs.get(0).noiseKey());
    }

    @Test
    void onlyListedHeadersAreComparedAndNamesInAnyCase() {
        ResponseDiffer differ = new ResponseDiffer(DiffRules.of(List.of("ETag", "cache-control", "X-AB"),
                List.of(), Map.of()));
        ObservedResponse reference = ObservedResponse.of(200, List.of(
                Map.entry("etag", "\"v1\""), Map.entry("Date", "Mon"), Map.entry("Cache-Control", "no-store")),
                null, false);
        ObservedResponse candidate = ObservedResponse.of(200, List.of(
                Map.entry("ETAG", "\"v2\""), Map.entry("date", "Tue"), Map.entry("X-AB", "1")), null, false);

        List<Difference> diffs = differ.diff(reference, candidate);
        assertEquals(List.of(
                new Difference(Difference.Kind.HEADER, "replace", "/headers/etag", str("\"v1\""), str("\"v2\"")),
                new Difference(Difference.Kind.HEADER, "remove", "/headers/cache-control", str("no-store"), null),
                new Difference(Difference.Kind.HEADER, "add", "/headers/x-ab", null, str("1"))), diffs);
        assertEquals("HEADER:/headers/etag", diffs.get(0).noiseKey());
        assertEquals(List.of(), differ.diff(reference, ObservedResponse.of(200, List.of(Map.entry("ETag", "\"v1\""),
                Map.entry("CACHE-CONTROL", "no-store")), null, false)), "same values, names in another case");
    }

    @Test
    void repeatedHeaderLinesAreJoinedInOrder() {
        ObservedResponse response = ObservedResponse.of(200,
                List.of(Map.entry("Vary", "a"), Map.entry("VARY", "b"), Map.entry("x", "1")), null, false);
        assertEquals(Map.of("vary", "a, b", "x", "1"), response.headers());
        assertThrows(IllegalArgumentException.class, () -> new ObservedResponse(200, Map.of("X", "1"), null, false));
    }

    @Test
    void nonJsonBodiesAreComparedAsBytesAndSummarised() {
        List<Difference> diffs = PLAIN.diff(text("text/plain", "hello"), text("text/plain", "hullo"));
        assertEquals(List.of(new Difference(Difference.Kind.BODY, "replace", "", str("hello"), str("hullo"))), diffs);
        assertEquals(List.of(), PLAIN.diff(text("text/plain", "same"), text("text/html", "same")));

        byte[] binary = new byte[300];
        binary[0] = (byte) 0xff;
        ObservedResponse a = ObservedResponse.of(200, Map.of("content-type", "image/png").entrySet(), binary, false);
        ObservedResponse b = ObservedResponse.of(200, Map.of("content-type", "image/png").entrySet(),
                new byte[] {(byte) 0xc3, 0x28, 0}, false);
        Difference d = PLAIN.diff(a, b).get(0);
        assertEquals(300, d.reference().get("bytes").asInt());
        assertEquals(BodySummary.sha256(binary), d.reference().get("sha256").asText());
        assertEquals(64, d.reference().get("sha256").asText().length());
        assertEquals(3, d.candidate().get("bytes").asInt(), "invalid UTF-8 is summarised even when short");
        assertEquals(1, PLAIN.diff(a, b).size());
    }

    @Test
    void jsonAgainstNotJsonIsOneReplaceOfTheWholeBody() {
        List<Difference> diffs = PLAIN.diff(json("{'a':1}"), text("text/html", "<h1>502</h1>"));
        assertEquals(List.of(new Difference(Difference.Kind.BODY, "replace", "", str("{\"a\":1}"),
                str("<h1>502</h1>"))), diffs);
        // declared JSON but not parseable: compared as bytes
        diffs = PLAIN.diff(json("{'a':1}"), json("{'a':1"));
        assertEquals(1, diffs.size());
        assertEquals("", diffs.get(0).path());
        diffs = PLAIN.diff(json("{'a':1}"), json("{'a':1} {'b':2}"));
        assertEquals("", diffs.get(0).path(), "two values are not one JSON body");
        // sniffing is not done: JSON text under text/plain is text
        assertEquals("", PLAIN.diff(text("text/plain", "{\"a\":1}"), text("text/plain", "{\"a\":2}")).get(0).path());
    }

    @Test
    void truncatedBodiesAreComparedByTheirCapturedBytesAndFlagged() {
        byte[] prefix = "{\"items\":[1,2,3".getBytes(StandardCharsets.UTF_8);
        ObservedResponse a = ObservedResponse.of(200, Map.of("content-type", "application/json").entrySet(), prefix, true);
        ObservedResponse same = ObservedResponse.of(200, Map.of("content-type", "application/json").entrySet(),
                prefix, true);
        assertEquals(List.of(), PLAIN.diff(a, same), "equal prefixes: nothing reported");

        byte[] other = "{\"items\":[1,2,4".getBytes(StandardCharsets.UTF_8);
        ObservedResponse b = ObservedResponse.of(200, Map.of("content-type", "application/json").entrySet(), other, true);
        List<Difference> diffs = PLAIN.diff(a, b);
        assertEquals(1, diffs.size());
        assertEquals("", diffs.get(0).path());
        assertTrue(diffs.get(0).reference().get("truncated").asBoolean());
        assertTrue(diffs.get(0).candidate().get("truncated").asBoolean());

        // the same bytes, complete on one side only: the truncated one is longer
        ObservedResponse whole = ObservedResponse.of(200, Map.of("content-type", "application/json").entrySet(),
                prefix, false);
        diffs = PLAIN.diff(a, whole);
        assertEquals(1, diffs.size());
        assertTrue(diffs.get(0).reference().get("truncated").asBoolean());
        assertEquals(str("{\"items\":[1,2,3"), diffs.get(0).candidate());
    }

    @Test
    void theNumberOfDifferencesIsCapped() {
        StringBuilder a = new StringBuilder("{");
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < 250; i++) {
            a.append(i == 0 ? "" : ",").append("'f").append(i).append("':").append(i);
            b.append(i == 0 ? "" : ",").append("'f").append(i).append("':").append(i + 1);
        }
        List<Difference> diffs = PLAIN.diff(json(500, a.append('}').toString()), json(b.append('}').toString()));
        assertEquals(ResponseDiffer.MAX_DIFFERENCES, diffs.size());
        assertEquals(Difference.Kind.STATUS, diffs.get(0).kind(), "status first");
        assertThrows(UnsupportedOperationException.class, () -> diffs.add(diffs.get(0)));
    }

    @Test
    void aTypeChangeIsOneReplace() {
        ResponseDiffer differ = new ResponseDiffer(DiffRules.of(List.of(), List.of(), Map.of("/tags", "set")));
        List<Difference> diffs = differ.diff(json("{'tags':['a','b']}"), json("{'tags':{'a':true}}"));
        assertEquals(1, diffs.size(), diffs.toString());
        assertEquals(tree("{'op':'replace','path':'/tags','value':{'a':true},'was':['a','b']}"),
                diffs.get(0).toPatchOperation());
        diffs = differ.diff(json("[1]"), json("{'tags':[]}"));
        assertEquals(List.of(new Difference(Difference.Kind.BODY, "replace", "", tree("[1]"), tree("{'tags':[]}"))), diffs);
    }

    @Test
    void theDifferIsSafeToShareBetweenThreads() throws Exception {
        ResponseDiffer differ = new ResponseDiffer(DiffRules.of(List.of("etag"), List.of("/**/at"),
                Map.of("/items", "key:id", "/**/tags", "set")));
        String reference = "{'items':[{'id':1,'p':1,'tags':['x','y']},{'id':2,'p':2}],'at':1}";
        String candidate = "{'items':[{'id':2,'p':3},{'id':1,'p':1,'tags':['y','z']}],'at':2}";
        List<Difference> expected = differ.diff(json(reference), json(candidate));
        assertEquals(3, expected.size(), expected.toString());
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < 500; i++) {
                        assertEquals(expected, differ.diff(json(reference), json(candidate)));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void differencesCheckTheirOwnShape() {
        JsonNode one = tree("1");
        assertThrows(IllegalArgumentException.class, () -> new Difference(Difference.Kind.BODY, "move", "/a", one, one));
        assertThrows(IllegalArgumentException.class, () -> new Difference(Difference.Kind.BODY, "add", "/a", one, one));
        assertThrows(IllegalArgumentException.class, () -> new Difference(Difference.Kind.BODY, "remove", "/a", null, one));
        assertThrows(IllegalArgumentException.class, () -> new Difference(Difference.Kind.BODY, "replace", "a", one, one));
    }

    @Test
    void noiseKeysFoldArrayIndicesOfBodyPaths() {
        JsonNode one = tree("1");
        Difference.Kind body = Difference.Kind.BODY;
        assertEquals("BODY:/items/*/price", new Difference(body, "replace", "/items/12/price", one, one).noiseKey());
        assertEquals("BODY:/a/*/*/b~1c/007", new Difference(body, "add", "/a/0/3/b~1c/007", null, one).noiseKey());
        assertEquals("BODY:", new Difference(body, "replace", "", one, one).noiseKey());
        assertEquals("HEADER:/headers/x",
                new Difference(Difference.Kind.HEADER, "remove", "/headers/x", one, null).noiseKey());
    }
}
