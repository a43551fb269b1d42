package dev.gateway.core.capture;

import dev.gateway.core.config.MigrationConfig.CaptureConfig;
import dev.gateway.core.journal.JsonLinesJournal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Captures a sampled share of the traffic the gateway forwards as JSON lines ({@link CaptureRecord}), for
 * a replay against two targets. Lines go to a size-capped, rotating journal written by its own thread;
 * when it falls behind, lines are dropped and counted, never waited for. Times are taken from
 * {@link System#nanoTime} against the capture's start, so {@code t} is monotonic whatever the wall clock
 * does.
 */
public final class TrafficCapture implements AutoCloseable {
    private static final int QUEUE = 4096;

    private final JsonLinesJournal journal;
    private final int basisPoints;
    private final int maxBodyBytes;
    private final long startNanos = System.nanoTime();

    /** @throws IllegalArgumentException a capture without a file ({@code migration.capture.path} empty) */
    public TrafficCapture(CaptureConfig config) {
        if (config.journal().path() == null) {
            throw new IllegalArgumentException("capture is off: migration.capture.path is empty");
        }
        this.journal = new JsonLinesJournal(Path.of(config.journal().path()), config.journal().maxBytes(),
                config.journal().files(), QUEUE);
        this.basisPoints = config.basisPoints();
        this.maxBodyBytes = config.journal().maxBodyBytes();
    }

    /** Whether this request is captured: drawn at random with the configured share. Event-loop safe. */
    public boolean sampled() {
        return basisPoints > 0 && ThreadLocalRandom.current().nextInt(10_000) < basisPoints;
    }

    /**
     * Starts capturing one exchange; the tap takes its body as it is forwarded and writes the line when
     * the exchange ends.
     *
     * @param startNanos when the request's first bytes came ({@link System#nanoTime})
     * @param caller the caller's identity key ({@code j:sub}, {@code k:name}, {@code a:address})
     * @param credential {@link CaptureRecord#JWT}, {@link CaptureRecord#API_KEY} or {@link CaptureRecord#NONE}
     * @param headers the request's headers as the caller sent them (scrubbed by the record)
     */
    public CaptureTap tap(long startNanos, String caller, String credential, String requestId, String route,
            String method, String target, List<Map.Entry<String, String>> headers) {
        return new CaptureTap(this, Math.max(0, startNanos - this.startNanos), caller, credential, requestId, route,
                method, target, headers, maxBodyBytes);
    }

    void write(CaptureRecord record) {
        journal.offer(record.toJson());
    }

    /** The wall-clock time of a {@link System#nanoTime} reading taken a moment ago. */
    static String wallClock(long nanos) {
        long ago = System.nanoTime() - nanos;
        return Instant.now().minusNanos(Math.max(0, ago)).toString();
    }

    /** Lines written and dropped (the queue was full), for the metrics. */
    public long written() {
        return journal.written();
    }

    public long dropped() {
        return journal.dropped();
    }

    /** Writes what is queued and closes the file. */
    @Override
    public void close() {
        journal.close();
    }
}
