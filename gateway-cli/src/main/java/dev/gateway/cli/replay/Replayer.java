package dev.gateway.cli.replay;

import dev.gateway.cli.replay.CredentialsHook.Key;
import dev.gateway.core.capture.CaptureRecord;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The replay's schedule, kept by one dispatcher thread (the caller of {@link #run}). Record {@code i} is
 * due at {@code start + (t_i - t_0) / speed}. When it is due it is ready, unless its caller's previous
 * record has not finished on both targets: then it waits behind it and is ready as soon as that one
 * finishes. Ready records are sent in capture order while fewer than {@code --concurrency} records are in
 * flight and the {@code --rate} bucket has a token; a record is sent to both targets at once, and counts
 * once against both bounds. How late each was sent is kept ({@link Replayed#latenessNanos}).
 *
 * <p>Answers arrive on the HTTP client's threads, are compared there (so a {@link ResponseComparison} must
 * be safe to call from several threads), and are handed back to the dispatcher, which alone tells the
 * {@code done} consumer: it needs no locking.
 */
final class Replayer {
    private final List<CaptureFile.Line> lines;
    private final URI a;
    private final URI b;
    private final double speed;
    private final double rate;
    private final int concurrency;
    private final TargetClient client;
    private final Map<Key, CredentialsHook.Result> credentials;
    private final ResponseComparison comparison;
    private final Consumer<Replayed> done;
    private final LinkedBlockingQueue<Replayed> finished = new LinkedBlockingQueue<>();

    /** One record's replay, from due to done. Written by the dispatcher, then by one client thread. */
    static final class Replayed {
        final CaptureRecord record;
        final int order;
        final long due; // System.nanoTime
        boolean waitedForCaller;
        long sent;
        String notSent; // why it was sent to neither target
        TargetClient.Outcome a;
        TargetClient.Outcome b;
        List<ResponseComparison.Difference> differences = List.of();
        String comparisonFailed;

        Replayed(CaptureRecord record, int order, long due) {
            this.record = record;
            this.order = order;
            this.due = due;
        }

        /** How much later than due it was sent. */
        long latenessNanos() {
            return Math.max(0, sent - due);
        }

        /** Neither target failed, and the answers were compared. */
        boolean answered() {
            return notSent == null && a.ok() && b.ok() && comparisonFailed == null;
        }
    }

    /**
     * @param credentials the hook's results by target, caller and credential kind; a record of a caller
     *     with none here goes without credentials
     * @param done told of each finished record, on the dispatcher thread
     */
    Replayer(CaptureFile capture, ReplayOptions options, TargetClient client, Map<Key, CredentialsHook.Result> credentials,
            ResponseComparison comparison, Consumer<Replayed> done) {
        this.lines = capture.records();
        this.a = options.a();
        this.b = options.b();
        this.speed = options.speed();
        this.rate = options.rate();
        this.concurrency = options.concurrency();
        this.client = client;
        this.credentials = credentials;
        this.comparison = comparison;
        this.done = done;
    }

    /** @return nanoseconds from the start to the last record's end (0 for an empty capture) */
    long run() throws InterruptedException {
        int n = lines.size();
        if (n == 0) {
            return 0;
        }
        long t0 = lines.get(0).record().t();
        long start = System.nanoTime();
        TokenBucket bucket = new TokenBucket(rate, start);
        PriorityQueue<Replayed> ready = new PriorityQueue<>(Comparator.comparingInt((Replayed r) -> r.order));
        Map<String, ArrayDeque<Replayed>> busy = new HashMap<>(); // callers with a record ready or in flight
        int next = 0;
        int inFlight = 0;
        int finishedCount = 0;
        long end = start;
        while (finishedCount < n) {
            long now = System.nanoTime();
            while (next < n && due(start, t0, next) - now <= 0) {
                Replayed r = new Replayed(lines.get(next).record(), next, due(start, t0, next));
                next++;
                ArrayDeque<Replayed> behind = busy.get(r.record.caller());
                if (behind == null) {
                    busy.put(r.record.caller(), new ArrayDeque<>());
                    ready.add(r);
                } else {
                    r.waitedForCaller = true;
                    behind.add(r);
                }
            }
            long tokenWait = 0;
            while (!ready.isEmpty() && inFlight < concurrency) {
                tokenWait = bucket.take(now);
                if (tokenWait > 0) {
                    break;
                }
                inFlight++;
                send(ready.poll(), now);
            }
            long wakeAt = next < n ? due(start, t0, next) : Long.MAX_VALUE;
            if (tokenWait > 0 && (wakeAt == Long.MAX_VALUE || now + tokenWait - wakeAt < 0)) {
                wakeAt = now + tokenWait;
            }
            Replayed f = wakeAt == Long.MAX_VALUE ? finished.take()
                    : finished.poll(Math.max(0, wakeAt - System.nanoTime()), TimeUnit.NANOSECONDS);
            for (; f != null; f = finished.poll()) {
                inFlight--;
                finishedCount++;
                end = System.nanoTime();
                ArrayDeque<Replayed> behind = busy.get(f.record.caller());
                Replayed after = behind.poll();
                if (after != null) {
                    ready.add(after);
                } else {
                    busy.remove(f.record.caller());
                }
                done.accept(f);
            }
        }
        return end - start;
    }

    private long due(long start, long t0, int i) {
        return start + (long) ((lines.get(i).record().t() - t0) / speed);
    }

    private void send(Replayed r, long now) {
        r.sent = now;
        List<Map.Entry<String, String>> forA = credentials(r, "a");
        List<Map.Entry<String, String>> forB = credentials(r, "b");
        if (r.notSent != null) {
            finished.add(r);
            return;
        }
        CompletableFuture<TargetClient.Outcome> fa = client.send(a, r.record, forA);
        CompletableFuture<TargetClient.Outcome> fb = client.send(b, r.record, forB);
        fa.thenAcceptBoth(fb, (oa, ob) -> {
            r.a = oa;
            r.b = ob;
            if (oa.ok() && ob.ok()) {
                r.differences = comparison.compare(r.record, oa.response(), ob.response());
            }
        }).whenComplete((ignored, failure) -> {
            if (failure != null) {
                r.comparisonFailed = String.valueOf(failure.getCause() == null ? failure : failure.getCause());
            }
            finished.add(r);
        });
    }

    /** The hook's headers for the record's caller on a target; sets {@code notSent} when the hook failed. */
    private List<Map.Entry<String, String>> credentials(Replayed r, String target) {
        CaptureRecord c = r.record;
        if (c.credential().equals(CaptureRecord.NONE)) {
            return List.of();
        }
        CredentialsHook.Result got = credentials.get(new Key(target, c.caller(), c.credential()));
        if (got == null) {
            return List.of();
        }
        if (!got.ok()) {
            r.notSent = "no credentials for target " + target + ": the hook " + got.problem();
        }
        return got.headers();
    }
}
