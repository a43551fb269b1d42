package dev.gateway.core.shadow;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.MigrationConfig.ShadowConfig;
import dev.gateway.core.config.MigrationConfig;
import dev.gateway.core.diff.DiffRules;
import dev.gateway.core.diff.DiffSamples;
import dev.gateway.core.diff.Difference;
import dev.gateway.core.diff.NoiseFilter;
import dev.gateway.core.diff.ObservedResponse;
import dev.gateway.core.diff.ResponseDiffer;
import dev.gateway.core.journal.JsonLinesJournal;
import dev.gateway.core.metrics.MigrationMetrics;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Compares answers on a thread of its own, never an event loop: the caller's answer against the shadow's
 * (candidate), and against a second answer of the same stack when there is one (baseline, which teaches
 * the {@link NoiseFilter} what differs by itself). Differences that are not noise are counted by route
 * and kind, and a sample of them (credentials never, bodies capped) goes to the difference log and to
 * the last {@link #RECENT} kept for {@code GET /admin/diffs}. When comparisons fall behind, new ones are
 * dropped and counted ({@code not_compared}), never queued without bound.
 */
final class Comparisons implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Comparisons.class);
    static final int RECENT = 100;
    private static final int QUEUE = 1024;

    private final MigrationMetrics metrics;
    private final ThreadPoolExecutor worker;
    private final NoiseFilter noise = new NoiseFilter();
    private final DiffSamples samples;
    private final JsonLinesJournal journal;
    private final Map<ShadowConfig, ResponseDiffer> differs = new ConcurrentHashMap<>();
    private final ArrayDeque<ObjectNode> recent = new ArrayDeque<>(RECENT);

    Comparisons(MigrationMetrics metrics, MigrationConfig.JournalConfig log) {
        this.metrics = metrics;
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                new DefaultThreadFactory("gateway-compare", true));
        this.samples = new DiffSamples(log.maxBodyBytes());
        this.journal = log.path() == null ? null : new JsonLinesJournal(Path.of(log.path()), log.maxBytes(), log.files(),
                QUEUE);
    }

    /** Queues a comparison; called on an event loop, never waits. */
    void submit(Shadowing.Request r, ResponseCopy primary, ResponseCopy candidate, ResponseCopy baseline) {
        try {
            // The copies are complete and written no more: the worker reads them (the queue orders it after
            // the loop's writes), so turning them into comparable responses costs the loop nothing.
            worker.execute(() -> compare(r, primary.observed(), candidate.observed(),
                    baseline == null ? null : baseline.observed()));
        } catch (RejectedExecutionException e) {
            metrics.comparisons(r.prefix(), "candidate", "not_compared").inc();
        }
    }

    private void compare(Shadowing.Request r, ObservedResponse primary, ObservedResponse candidate,
            ObservedResponse baseline) {
        try {
            ShadowConfig c = r.config();
            ResponseDiffer differ = differs.computeIfAbsent(c,
                    k -> new ResponseDiffer(DiffRules.of(k.headers(), k.ignore(), k.arrays())));
            if (baseline != null) {
                List<Difference> within = differ.diff(primary, baseline);
                noise.recordBaseline(r.prefix(), within);
                metrics.comparisons(r.prefix(), "baseline", within.isEmpty() ? "same" : "different").inc();
            }
            List<Difference> found = differ.diff(primary, candidate);
            noise.recordCandidate(r.prefix(), found);
            List<Difference> reported = noise.reportable(r.prefix(), found);
            metrics.comparisons(r.prefix(), "candidate", reported.isEmpty() ? "same" : "different").inc();
            if (reported.isEmpty()) {
                return;
            }
            EnumSet<Difference.Kind> kinds = EnumSet.noneOf(Difference.Kind.class);
            reported.forEach(d -> kinds.add(d.kind()));
            kinds.forEach(k -> metrics.differences(r.prefix(), k.name().toLowerCase(java.util.Locale.ROOT)).inc());
            ObjectNode line = samples.line(r.template(), r.requestId(), r.method(), r.target(), reported, primary,
                    candidate, false);
            line.put("prefix", r.prefix());
            synchronized (recent) {
                if (recent.size() == RECENT) {
                    recent.removeLast();
                }
                recent.addFirst(line);
            }
            if (journal != null) {
                journal.offer(line);
            }
        } catch (RuntimeException e) {
            LOG.warn("comparing the answers of {} failed: {}", r.requestId(), e.toString());
            metrics.comparisons(r.prefix(), "candidate", "not_compared").inc();
        }
    }

    /** The newest sampled differences first, at most {@code limit}, and the noise table. */
    ObjectNode latest(int limit) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        var list = out.putArray("samples");
        synchronized (recent) {
            Iterator<ObjectNode> it = recent.iterator();
            for (int i = 0; i < limit && it.hasNext(); i++) {
                list.add(it.next());
            }
        }
        out.set("noise", noise.snapshot());
        return out;
    }

    @Override
    public void close() {
        worker.shutdownNow();
        if (journal != null) {
            journal.close();
        }
    }
}
