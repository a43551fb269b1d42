package dev.gateway.core.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An append-only file of JSON lines (one compact JSON object per line, {@code \n}-terminated), capped in
 * size and rotated, written by its own daemon thread so that callers never wait for the disk.
 *
 * <p>Callers {@link #offer} lines, which never blocks: when the queue is full the line is dropped and
 * counted. The journal owns an offered line: the caller must not change it afterwards (it is serialised
 * later, on the writer thread).
 *
 * <p>Rotation, as log4j's {@code RollingFileAppender} with a size policy and
 * {@code DefaultRolloverStrategy}: when the next line would take the active file past {@code maxBytes}, the
 * file is renamed {@code <file>.1}, an existing {@code <file>.1} becomes {@code <file>.2}, and so on up to
 * {@code <file>.<files-1>}; the oldest is deleted. With {@code files == 1} the file is simply started
 * afresh. So the journal never holds more than {@code files × maxBytes} bytes on disk, and a line is never
 * split across files. A line longer than {@code maxBytes} is dropped and counted. An existing file is
 * appended to.
 *
 * <p>I/O errors are counted ({@link #errors()}), logged once, never thrown; the line being written is
 * dropped and the next line reopens the file, first cutting off any partial line the failure left.
 *
 * <p>The last {@link #RECENT_LINES} lines written are also kept in memory, for an admin endpoint.
 *
 * <p>Thread-safe: any thread may offer; one thread writes.
 */
public final class JsonLinesJournal implements AutoCloseable {
    /** How many of the lines last written {@link #recent} can return. */
    public static final int RECENT_LINES = 100;

    private static final Logger LOG = LogManager.getLogger(JsonLinesJournal.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** Put on the queue by {@link #close()}: the writer stops when it takes it. Compared by identity. */
    private static final ObjectNode STOP = JsonNodeFactory.instance.objectNode();
    private static final int BATCH = 256;

    private final Path file;
    private final long maxBytes;
    private final int files;
    private final BlockingQueue<ObjectNode> queue;
    private final Runnable beforeBatch;
    private final Thread writer;

    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean warned = new AtomicBoolean();
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final ArrayDeque<ObjectNode> recent = new ArrayDeque<>(); // guarded by itself, newest first

    // the writer thread's alone
    private FileChannel channel;
    private long size;           // bytes of whole lines in the active file
    private boolean partialLine; // a failed write may have left part of a line after `size`

    /**
     * Starts the journal's writer thread. Nothing touches the disk before the first line is written; the
     * file's directory is created then if missing.
     *
     * @param file the active file; rotated files are named after it with {@code .1}, {@code .2}, …
     * @param maxBytes the most bytes in one file, at least 1
     * @param files how many files are kept, the active one included, at least 1
     * @param queueCapacity how many lines may wait for the writer, at least 1
     * @throws IllegalArgumentException for a bound out of range or a path without a file name
     */
    public JsonLinesJournal(Path file, long maxBytes, int files, int queueCapacity) {
        this(file, maxBytes, files, queueCapacity, () -> { });
    }

    /** As above, with {@code beforeBatch} run on the writer thread before each batch it writes (tests). */
    JsonLinesJournal(Path file, long maxBytes, int files, int queueCapacity, Runnable beforeBatch) {
        this.file = Objects.requireNonNull(file, "file");
        if (file.getFileName() == null) {
            throw new IllegalArgumentException("journal path " + file + " has no file name");
        }
        if (maxBytes < 1 || files < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("maxBytes, files and queueCapacity are at least 1: "
                    + maxBytes + ", " + files + ", " + queueCapacity);
        }
        this.maxBytes = maxBytes;
        this.files = files;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.beforeBatch = beforeBatch;
        this.writer = new Thread(this::run, "journal-" + file.getFileName());
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Hands a line to the writer without waiting.
     *
     * @param line one JSON object; not to be changed afterwards
     * @return {@code true} if queued; {@code false} (and counted in {@link #dropped()}) if the queue is full
     *         or the journal is closed
     */
    public boolean offer(ObjectNode line) {
        Objects.requireNonNull(line, "line");
        if (closed.get() || !queue.offer(line)) {
            dropped.increment();
            return false;
        }
        if (closed.get() && !writer.isAlive() && queue.remove(line)) {
            dropped.increment(); // queued after close() emptied the queue: nobody would ever count it
            return false;
        }
        return true;
    }

    /** @return lines written to the file so far */
    public long written() {
        return written.sum();
    }

    /**
     * @return lines offered and not written: the queue was full, the journal closed, the line longer than
     *         {@code maxBytes}, not serialisable, or lost to an I/O error
     */
    public long dropped() {
        return dropped.sum();
    }

    /** @return I/O errors met so far (the first one is logged) */
    public long errors() {
        return errors.sum();
    }

    /**
     * @param limit the most lines to return, at least 0
     * @return copies of the lines last written, newest first, at most {@code min(limit, RECENT_LINES)}
     */
    public List<ObjectNode> recent(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit " + limit + " < 0");
        }
        List<ObjectNode> out = new ArrayList<>();
        synchronized (recent) {
            for (ObjectNode line : recent) {
                if (out.size() == limit) {
                    break;
                }
                out.add(line.deepCopy());
            }
        }
        return out;
    }

    /**
     * Writes what is queued, closes the file and stops the writer thread; waits for it. Lines offered
     * afterwards are dropped. Idempotent. Interrupted while waiting, it returns with the thread's interrupt
     * status set and the writer finishing on its own.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                // the queue may be full: wait for room as long as the writer is there to make it
                while (!queue.offer(STOP, 100, TimeUnit.MILLISECONDS)) {
                    if (!writer.isAlive()) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (ObjectNode left = queue.poll(); left != null; left = queue.poll()) {
            if (left != STOP) {
                dropped.increment(); // offered while the writer was stopping
            }
        }
    }

    private void run() {
        List<ObjectNode> batch = new ArrayList<>(BATCH);
        boolean stop = false;
        try {
            while (!stop) {
                ObjectNode first = queue.take();
                if (first == STOP) {
                    break;
                }
                beforeBatch.run();
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                for (ObjectNode line : batch) {
                    if (line == STOP) {
                        stop = true; // lines drained after it were accepted too: write them
                    } else {
                        write(line);
                    }
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeChannel();
        }
    }

    private void write(ObjectNode line) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(line); // compact: a newline inside a string is written \n
        } catch (JsonProcessingException e) {
            dropped.increment();
            return;
        }
        long length = json.length + 1L;
        if (length > maxBytes) {
            dropped.increment();
            return;
        }
        try {
            if (channel == null) {
                open();
            }
            if (size > 0 && size + length > maxBytes) {
                rotate();
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) length).put(json).put((byte) '\n').flip();
            partialLine = true;
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            partialLine = false;
            size += length;
            written.increment();
            remember(line);
        } catch (IOException | RuntimeException e) {
            failed(e);
            dropped.increment();
        }
    }

    private void open() throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (partialLine && channel.size() > size) {
            channel.truncate(size); // what a failed write left of a line
        } else {
            size = channel.size();
        }
        partialLine = false;
        channel.position(size);
    }

    private void rotate() throws IOException {
        closeChannel();
        if (files == 1) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(rotated(files - 1));
            for (int i = files - 2; i >= 1; i--) {
                Path from = rotated(i);
                if (Files.exists(from)) {
                    Files.move(from, rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (Files.exists(file)) {
                Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        size = 0;
        open();
    }

    private Path rotated(int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    private void remember(ObjectNode line) {
        synchronized (recent) {
            recent.addFirst(line);
            if (recent.size() > RECENT_LINES) {
                recent.removeLast();
            }
        }
    }

    private void failed(Exception e) {
        errors.increment();
        closeChannel(); // the next line reopens
        if (warned.compareAndSet(false, true)) {
            LOG.warn("journal {}: {}; lines are dropped while it fails, further errors are only counted",
                    file, e.toString());
        }
    }

    private void closeChannel() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            errors.increment();
        }
        channel = null;
    }
}
