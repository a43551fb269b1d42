package dev.gateway.core.diff;

import static dev.gateway.core.diff.Responses.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NoiseFilterTest {
    private static final String ROUTE = "/trades/{id}";
    private static final JsonNode ONE = Responses.tree("1");

    private static Difference body(String path) {
        return new Difference(Difference.Kind.BODY, "replace", path, ONE, ONE);
    }

    @Test
    void aRandomIdIsNoiseOnceBaselinesAreInWhileARealChangeIsStillReported() {
        ResponseDiffer differ = new ResponseDiffer(DiffRules.of(List.of(), List.of(), Map.of()));
        NoiseFilter noise = new NoiseFilter();
        SplittableRandom random = new SplittableRandom(42);
        List<Difference> last = List.of();
        for (int request = 0; request < 100; request++) {
            String reference = trade(random, 10);
            String candidate = trade(random, 11);
            last = differ.diff(json(reference), json(candidate));
            noise.recordCandidate(ROUTE, last);
            if (request % 4 == 0) { // a quarter of the requests also go to the reference twice
                String again = trade(random, 10);
                noise.recordBaseline(ROUTE, differ.diff(json(reference), json(again)));
            }
            if (request == 10) {
                assertEquals(3, noise.reportable(ROUTE, last).size(),
                        "with 3 baseline comparisons of 20 nothing is noise yet");
            }
        }
        assertEquals(3, last.size(), last.toString());
        List<Difference> reported = noise.reportable(ROUTE, last);
        assertEquals(1, reported.size(), reported.toString());
        assertEquals("/price", reported.get(0).path());
        assertTrue(noise.isNoise(ROUTE, "BODY:/requestId"));
        assertTrue(noise.isNoise(ROUTE, "BODY:/items/*/at"), "counted across indices");
        assertFalse(noise.isNoise(ROUTE, "BODY:/price"));
        assertFalse(noise.isNoise("/other", "BODY:/requestId"), "noise is per route");
        assertEquals(last, noise.reportable("/other", last));
    }

    /** A trade with a random request id and a random time in its item. */
    private static String trade(SplittableRandom random, int price) {
        return "{'requestId':'" + random.nextLong() + "','price':" + price + ",'items':[{'at':" + random.nextInt() + "}]}";
    }

    @Test
    void nothingIsNoiseBeforeTheMinimumSamplesOnBothSides() {
        NoiseFilter noise = new NoiseFilter(3, 2, 0.2, 0.0003, 10, 10);
        List<Difference> id = List.of(body("/id"));
        noise.recordCandidate(ROUTE, id);
        noise.recordBaseline(ROUTE, id);
        noise.recordBaseline(ROUTE, id);
        assertFalse(noise.isNoise(ROUTE, "BODY:/id"), "2 of 3 baselines");
        noise.recordBaseline(ROUTE, id);
        assertFalse(noise.isNoise(ROUTE, "BODY:/id"), "1 of 2 candidates");
        noise.recordCandidate(ROUTE, id);
        assertTrue(noise.isNoise(ROUTE, "BODY:/id"));
    }

    @Test
    void theRuleIsDiffysRelativeAndAbsoluteDifferenceOnRates() {
        // baseline: 10 comparisons, the key in 5 (0.5)
        NoiseFilter noise = new NoiseFilter(1, 1, 0.2, 0.0003, 10, 10);
        NoiseFilter strict = new NoiseFilter(1, 1, 0.2, 0.35, 10, 10);
        for (NoiseFilter filter : List.of(noise, strict)) {
            for (int i = 0; i < 10; i++) {
                filter.recordBaseline(ROUTE, i < 5 ? List.of(body("/k")) : List.of());
            }
            // candidate: 10 comparisons, the key in 7 (0.7): (0.7-0.5)/(0.7+0.5) = 16.7 % is not over 20 %
            for (int i = 0; i < 10; i++) {
                filter.recordCandidate(ROUTE, i < 7 ? List.of(body("/k")) : List.of());
            }
        }
        assertTrue(noise.isNoise(ROUTE, "BODY:/k"));
        // 10 more candidates, 9 with the key: 16/20 = 0.8, (0.8-0.5)/1.3 = 23 % is over 20 %
        for (NoiseFilter filter : List.of(noise, strict)) {
            for (int i = 0; i < 10; i++) {
                filter.recordCandidate(ROUTE, i < 9 ? List.of(body("/k")) : List.of());
            }
        }
        assertFalse(noise.isNoise(ROUTE, "BODY:/k"));
        assertTrue(strict.isNoise(ROUTE, "BODY:/k"), "0.3 over the baseline is not the 0.35 asked for");
        // a key seen more often between two reference answers than against the candidate is noise
        noise.recordBaseline(ROUTE, List.of(body("/b")));
        assertTrue(noise.isNoise(ROUTE, "BODY:/b"));
    }

    @Test
    void aKeyCountsOncePerComparison() {
        NoiseFilter noise = new NoiseFilter(1, 1, 0.2, 0.0003, 10, 10);
        noise.recordCandidate(ROUTE, List.of(body("/items/0/p"), body("/items/1/p"), body("/items/2/p")));
        JsonNode key = noise.snapshot().path("routes").path(ROUTE).path("keys").path("BODY:/items/*/p");
        assertEquals(1, key.path("candidate").asLong());
        assertEquals(1.0, key.path("candidateRate").asDouble());
    }

    @Test
    void memoryIsBoundedAndTheRestCounted() {
        NoiseFilter noise = new NoiseFilter(1, 1, 0.2, 0.0003, 2, 2);
        noise.recordBaseline("/r1", List.of(body("/a"), body("/b"), body("/c")));
        noise.recordCandidate("/r1", List.of(body("/a"), body("/b"), body("/c")));
        noise.recordCandidate("/r2", List.of());
        noise.recordCandidate("/r3", List.of(body("/a")));
        noise.recordBaseline("/r3", List.of(body("/a")));

        ObjectNode snapshot = noise.snapshot();
        assertEquals(2, snapshot.path("untrackedComparisons").asLong());
        assertEquals(List.of("/r1", "/r2"), names(snapshot.path("routes")));
        JsonNode r1 = snapshot.path("routes").path("/r1");
        assertEquals(2, r1.path("keys").size());
        assertEquals(2, r1.path("untrackedKeys").asLong(), "/c, once in each comparison");
        String untracked = List.of("BODY:/a", "BODY:/b", "BODY:/c").stream()
                .filter(key -> !names(r1.path("keys")).contains(key)).findFirst().orElseThrow();
        assertFalse(noise.isNoise("/r1", untracked), "an untracked key is never noise");
        assertFalse(noise.isNoise("/r3", "BODY:/a"), "an untracked route has no noise");
    }

    @Test
    void theSnapshotShowsCountsRatesAndVerdicts() throws Exception {
        NoiseFilter noise = new NoiseFilter(2, 2, 0.2, 0.0003, 10, 10);
        noise.recordBaseline(ROUTE, List.of(body("/id")));
        noise.recordBaseline(ROUTE, List.of());
        noise.recordCandidate(ROUTE, List.of(body("/id"), body("/price")));
        noise.recordCandidate(ROUTE, List.of(body("/price")));
        assertEquals(Responses.JSON.readTree(("{'minBaselineSamples':2,'minCandidateSamples':2,'relativeThreshold':0.2,"
                + "'absoluteThreshold':0.0003,'untrackedComparisons':0,'routes':{'/trades/{id}':{"
                + "'candidateComparisons':2,'baselineComparisons':2,'untrackedKeys':0,'keys':{"
                + "'BODY:/id':{'candidate':1,'baseline':1,'candidateRate':0.5,'baselineRate':0.5,'noise':true},"
                + "'BODY:/price':{'candidate':2,'baseline':0,'candidateRate':1.0,'baselineRate':0.0,'noise':false}}}}}")
                .replace('\'', '"')).toString(),
                noise.snapshot().toString());
    }

    @Test
    void countsAreExactUnderManyThreads() throws Exception {
        NoiseFilter noise = new NoiseFilter();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            int shard = t;
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < 5_000; i++) {
                        noise.recordCandidate("/r" + (i % 3), List.of(body("/k" + (i % 7)), body("/shared")));
                        if (i % 5 == shard) {
                            noise.recordBaseline("/r" + (i % 3), List.of(body("/shared")));
                        }
                        noise.reportable("/r0", List.of(body("/shared")));
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
        JsonNode routes = noise.snapshot().path("routes");
        long candidates = 0;
        long baselines = 0;
        for (String route : names(routes)) {
            candidates += routes.path(route).path("candidateComparisons").asLong();
            baselines += routes.path(route).path("baselineComparisons").asLong();
            assertEquals(routes.path(route).path("candidateComparisons").asLong(),
                    routes.path(route).path("keys").path("BODY:/shared").path("candidate").asLong());
        }
        assertEquals(20_000, candidates);
        assertEquals(4_000, baselines);
        assertTrue(noise.isNoise("/r0", "BODY:/shared"));
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new NoiseFilter(0, 1, 0.2, 0.1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NoiseFilter(1, 1, 1.0, 0.1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NoiseFilter(1, 1, 0.2, Double.NaN, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NoiseFilter(1, 1, 0.2, 0.1, 1, 0));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
