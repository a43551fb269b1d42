package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.cli.DemoGateway;
import dev.gateway.core.capture.CaptureRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic capture through a real gateway: every forwarded exchange a line that reads back as a
 * {@link CaptureRecord}, in order of arrival with monotonic times, with its body, its status and the
 * caller's identity, and never a credential.
 */
class CaptureTest {
    private static final String KEY = "it-key";

    @TempDir
    Path dir;

    @Test
    void capturedLinesHoldTheRequestsWithoutCredentials() throws Exception {
        Path file = dir.resolve("capture.jsonl");
        String token = "Bearer " + Jwts.hs256("hs", Jwts.claims("carol", "trades:read trades:write").build());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Integer> statuses = new ArrayList<>();
        try (DemoGateway gateway = TestGateway.startWithOwnCredentials("auth: {issuers: [" + Jwts.ISSUER + "], "
                + "hmacKeys: {hs: " + Jwts.HMAC_SECRET + "}, apiKeys: {it: {sha256: "
                + "1ce48051b5830d59881cbf51500faa5f5e9d446050458f760bc96cda647be67e, scopes: [trades:read]}}}\n"
                + "rateLimits: {trade: ~, task: ~}\n"
                + "migration: {capture: {path: '" + file + "', percent: 100}}\n")) {
            String base = "http://127.0.0.1:" + gateway.gateway().port();
            for (int i = 0; i < 5; i++) {
                statuses.add(client.send(HttpRequest.newBuilder(URI.create(base + "/v1/trades?accountId=ACC-0000000" + i))
                        .header("X-API-Key", KEY).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            String order = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00000001\",\"symbol\":\"ABC\","
                    + "\"side\":\"BUY\",\"type\":\"MARKET\",\"quantity\":1}";
            statuses.add(client.send(HttpRequest.newBuilder(URI.create(base + "/v1/trades"))
                    .header("Authorization", token).header("Content-Type", "application/json")
                    .header("Cookie", "session=secret-cookie").header("X_API_Key", "look-alike-key-value")
                    .POST(HttpRequest.BodyPublishers.ofString(order)).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        } // closing the gateway writes what the capture still holds

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(6, lines.size(), String.join("\n", lines));
        String all = String.join("\n", lines);
        assertFalse(all.contains(KEY), "an API key in the capture");
        assertFalse(all.contains("Bearer") || all.contains(token.substring(7, 40)), "a token in the capture");
        assertFalse(all.contains("secret-cookie"), "a cookie in the capture");
        assertFalse(all.contains("look-alike-key-value"), "a credential under a look-alike name in the capture");
        ObjectMapper json = new ObjectMapper();
        long previous = -1;
        for (int i = 0; i < lines.size(); i++) {
            CaptureRecord r = CaptureRecord.fromJson(json.readTree(lines.get(i)));
            assertTrue(r.t() > previous, "times increase with arrival: " + r.t() + " after " + previous);
            previous = r.t();
            assertEquals(statuses.get(i), r.status());
            if (i < 5) {
                assertEquals("k:it", r.caller());
                assertEquals(CaptureRecord.API_KEY, r.credential());
                assertEquals("/v1/trades?accountId=ACC-0000000" + i, r.target());
                assertEquals("/v1/trades", r.route());
            } else {
                assertEquals("j:carol", r.caller());
                assertEquals(CaptureRecord.JWT, r.credential());
                assertEquals("POST", r.method());
                assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("ACC-00000001"));
                assertTrue(r.headers().stream().anyMatch(h -> h.getKey().equals("content-type")));
            }
        }
    }
}
