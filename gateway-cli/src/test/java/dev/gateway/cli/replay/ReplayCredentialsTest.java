package dev.gateway.cli.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.cli.replay.CredentialsHook.Key;
import dev.gateway.core.capture.CaptureRecord;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The credentials hook: its headers reach each target, per target and caller, and never the report. */
class ReplayCredentialsTest {
    private static final Map<String, URI> TARGETS = Map.of("a", URI.create("http://127.0.0.1:1"), "b",
            URI.create("http://127.0.0.1:2"));

    @TempDir
    Path dir;

    private static final String HOOK = String.join("\n",
            "echo \"$REPLAY_TARGET $REPLAY_CALLER $REPLAY_CREDENTIAL $REPLAY_TARGET_URL\" >> \"$1\"",
            "case \"$REPLAY_CREDENTIAL\" in",
            "  jwt) echo \"Authorization: Bearer tok-$REPLAY_TARGET-s3cr3t-${REPLAY_CALLER#j:}\" ;;",
            "  apikey) echo \"X-API-Key: key-$REPLAY_TARGET-s3cr3t\" ;;",
            "esac",
            "echo",
            "echo \"X-Replay-Target: $REPLAY_TARGET\"",
            "");

    /** Both targets echo the credential they got: the report's samples would hold it, but for redaction. */
    private static TestTarget echoing() throws Exception {
        return TestTarget.start(r -> TestTarget.Reply.json("{\"auth\":\"" + r.header("authorization") + "\",\"key\":\""
                + r.header("x-api-key") + "\"}"));
    }

    @Test
    void theHooksHeadersReachEachTargetAndNeverTheReport() throws Exception {
        Path hook = Files.writeString(dir.resolve("hook.sh"), HOOK);
        Path calls = dir.resolve("calls.txt");
        try (TestTarget a = echoing(); TestTarget b = echoing()) {
            List<CaptureRecord> records = List.of(
                    Captures.get(0, "j:alice", "jwt", "/e", "/e/alice/1"),
                    Captures.get(1, "k:desk-7", "apikey", "/e", "/e/desk/1"),
                    Captures.get(2, "a:10.1.2.3", "none", "/e", "/e/anon/1"),
                    Captures.get(3, "j:alice", "jwt", "/e", "/e/alice/2"),
                    Captures.get(4, "k:desk-7", "apikey", "/e", "/e/desk/2"),
                    Captures.get(5, "a:10.1.2.3", "none", "/e", "/e/anon/2"),
                    Captures.get(6, "j:alice", "jwt", "/e", "/e/alice/3"));
            Path report = dir.resolve("report");
            Captures.Run run = Captures.replay("--capture", Captures.write(dir.resolve("c.jsonl"), records).toString(),
                    "--a", a.url().toString(), "--b", b.url().toString(), "--report", report.toString(),
                    "--credentials-hook", "sh " + hook + " " + calls);
            assertEquals(0, run.status(), run.err());

            for (TestTarget.Seen s : a.seen()) {
                check(s, "a");
            }
            for (TestTarget.Seen s : b.seen()) {
                check(s, "b");
            }
            assertEquals(7, a.seen().size());
            assertEquals(7, b.seen().size());
            // once per target, caller and credential kind; never for a caller that sent none
            assertEquals(Set.of("a j:alice jwt " + a.url(), "b j:alice jwt " + b.url(),
                    "a k:desk-7 apikey " + a.url(), "b k:desk-7 apikey " + b.url()),
                    new HashSet<>(Files.readAllLines(calls)));
            assertEquals(4, Files.readAllLines(calls).size());

            String json = Files.readString(report.resolve("report.json"));
            String md = Files.readString(report.resolve("report.md"));
            assertFalse(json.contains("s3cr3t") || md.contains("s3cr3t"), json + md);
            assertFalse(json.contains(hook.toString()), "the hook's command is not written either");
            assertTrue(json.contains("[credential]"), "the echoed credentials were there to be redacted");
            JsonNode r = Captures.report(report);
            assertEquals(4, r.get("credentialsHook").get("runs").intValue());
            assertEquals(5, r.get("totals").get("different").intValue(), "A and B echo different credentials");
            assertEquals(2, r.get("totals").get("identical").intValue());
        }
    }

    private static void check(TestTarget.Seen s, String target) {
        String who = s.target().split("/")[2];
        assertEquals("replay-test", s.header("x-client"), "the captured headers go too");
        switch (who) {
            case "alice" -> {
                assertEquals("Bearer tok-" + target + "-s3cr3t-alice", s.header("authorization"));
                assertNull(s.header("x-api-key"));
                assertEquals(target, s.header("x-replay-target"));
            }
            case "desk" -> {
                assertEquals("key-" + target + "-s3cr3t", s.header("x-api-key"));
                assertNull(s.header("authorization"));
                assertEquals(target, s.header("x-replay-target"));
            }
            default -> {
                assertNull(s.header("authorization"));
                assertNull(s.header("x-api-key"));
                assertNull(s.header("x-replay-target"));
            }
        }
    }

    @Test
    void aFailingHookIsReportedAndItsCallersRecordsAreErrors() throws Exception {
        try (TestTarget a = echoing(); TestTarget b = echoing()) {
            List<CaptureRecord> records = List.of(Captures.get(0, "j:alice", "jwt", "/e", "/e/alice/1"),
                    Captures.get(1, "a:10.1.2.3", "none", "/e", "/e/anon/1"),
                    Captures.get(2, "j:alice", "jwt", "/e", "/e/alice/2"));
            Path report = dir.resolve("report");
            Captures.Run run = Captures.replay("--capture", Captures.write(dir.resolve("c.jsonl"), records).toString(),
                    "--a", a.url().toString(), "--b", b.url().toString(), "--report", report.toString(),
                    "--credentials-hook", "if [ \"$REPLAY_TARGET\" = b ]; then echo 'no key for b' >&2; exit 3; fi; "
                            + "echo 'X-Token: fine-s3cr3t'");
            assertEquals(0, run.status(), run.err());
            assertTrue(run.err().contains("the credentials hook failed for target b, caller j:alice (jwt): exited "
                    + "with status 3"), run.err());
            assertTrue(run.err().contains("hook: no key for b"), run.err());
            assertEquals(List.of("/e/anon/1"), a.seen().stream().map(TestTarget.Seen::target).toList(),
                    "a caller without credentials on one target is sent to neither");
            JsonNode r = Captures.report(report);
            assertEquals(2, r.get("totals").get("errors").intValue());
            assertEquals(1, r.get("totals").get("identical").intValue());
            JsonNode failure = r.get("credentialsHook").get("failures").get(0);
            assertEquals("b", failure.get("target").textValue());
            assertEquals("j:alice", failure.get("caller").textValue());
            assertEquals("exited with status 3", failure.get("problem").textValue());
            assertFalse(Files.readString(report.resolve("report.json")).contains("no key for b"),
                    "the hook's standard error goes to the console only");
            assertTrue(Files.readString(report.resolve("report.md")).contains("## Credentials hook failures"));
        }
    }

    @Test
    void aHookMustPrintHeaderLinesAndFinishInTime() throws Exception {
        Key key = new Key("a", "j:alice", "jwt");
        CredentialsHook garbled = new CredentialsHook("echo 'X-Ok: 1'; echo 'eyJhbGciOi.s3cr3t'", TARGETS,
                Duration.ofSeconds(10));
        CredentialsHook.Result r = garbled.resolve(List.of(key), k -> { }).get(key);
        assertEquals("line 2 of its output is not 'Name: value'", r.problem(), "the line is named, not shown");
        CredentialsHook host = new CredentialsHook("echo 'Host: elsewhere'", TARGETS, Duration.ofSeconds(10));
        assertEquals("it printed header 'Host', which the replay cannot set",
                host.resolve(List.of(key), k -> { }).get(key).problem());
        CredentialsHook slow = new CredentialsHook("sleep 30", TARGETS, Duration.ofMillis(300));
        long start = System.nanoTime();
        assertEquals("did not finish within 300 ms", slow.resolve(List.of(key), k -> { }).get(key).problem());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "the hook was stopped, not waited for");
        CredentialsHook fine = new CredentialsHook("printf 'Authorization: Bearer x\\r\\n\\r\\nX-Two:  2  \\n'",
                TARGETS, Duration.ofSeconds(10));
        assertEquals(List.of(Map.entry("Authorization", "Bearer x"), Map.entry("X-Two", "2")),
                fine.resolve(List.of(key), k -> { }).get(key).headers());
    }

    @Test
    void redactionCatchesValuesAsJsonEscapesThem() {
        String text = "{\"a\":\"tok\\\"en-value\",\"b\":\"plain tok\\\"en-value\"}";
        assertEquals("{\"a\":\"[credential]\",\"b\":\"plain [credential]\"}",
                ReplayReport.redact(text, List.of("tok\"en-value")));
        assertEquals("abc", ReplayReport.redact("abc", List.of("b")), "too short to be a credential");
    }
}
