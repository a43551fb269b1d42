package dev.gateway.core.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Watches the configuration files (every layer given on the command line) and asks for a reload when the
 * content of any of them changes, and when {@link #trigger} is called (SIGHUP, say); the reload reads every
 * layer again, in order. It watches each file's directory rather than the file
 * (the JDK's {@link WatchService}, inotify on Linux): an editor's rename-over and a Kubernetes ConfigMap
 * update (the {@code ..data} symlink swapped to a new timestamped directory) replace the file without
 * modifying it, and only the directory sees that. Whatever the event, the file is read through its
 * symlinks and compared by SHA-256 with what was last loaded, so a touch without a change, or events of
 * other files, reload nothing. The directory is also re-read every {@link #RECHECK_SECONDS} seconds, for
 * file systems that report no events (some network and overlay mounts).
 *
 * <p>Reloads run on the watcher's own thread, one at a time, never on an event loop.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ConfigWatcher.class);
    static final long RECHECK_SECONDS = 5;
    /** Events closer together than this are one change: an editor writes a file in several steps. */
    private static final long SETTLE_MILLIS = 100;
    /** How often the thread looks for a {@link #trigger}, between file events. */
    static final long TRIGGER_MILLIS = 200;

    private final List<Path> files;
    private final Consumer<String> reload;
    private final WatchService watch;
    private final Thread thread;
    private final AtomicReference<String> asked = new AtomicReference<>();
    /** The SHA-256 of each file as last loaded, in the order of {@link #files}. */
    private byte[][] loaded;
    private volatile boolean closed;

    private ConfigWatcher(List<Path> files, Consumer<String> reload) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no file to watch");
        }
        this.files = files.stream().map(Path::toAbsolutePath).toList();
        this.reload = reload;
        this.loaded = hashes();
        this.watch = FileSystems.getDefault().newWatchService();
        try {
            for (Path dir : new LinkedHashSet<>(this.files.stream().map(Path::getParent).toList())) {
                dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        } catch (IOException | RuntimeException e) {
            watch.close();
            throw e;
        }
        this.thread = new Thread(this::run, "gateway-config-watch");
        thread.setDaemon(true);
    }

    /**
     * Starts watching one file.
     *
     * @see #start(List, Consumer)
     */
    public static ConfigWatcher start(Path file, Consumer<String> reload) throws IOException {
        return start(List.of(file), reload);
    }

    /**
     * Starts watching.
     *
     * @param files the configuration files, as given on the command line (at least one)
     * @param reload called with why ({@code file change}, or what {@link #trigger} was given) when the
     *     content of a file changed or a reload was asked for; it reads every layer again and applies or
     *     refuses the result itself
     * @throws IOException a directory cannot be watched
     * @throws IllegalArgumentException {@code files} is empty
     */
    public static ConfigWatcher start(List<Path> files, Consumer<String> reload) throws IOException {
        ConfigWatcher w = new ConfigWatcher(files, reload);
        w.thread.start();
        return w;
    }

    /**
     * Asks for a reload whether or not a file changed (SIGHUP). Returns at once; the watcher's thread
     * reloads within {@link #TRIGGER_MILLIS} ms.
     */
    public void trigger(String why) {
        // Not an interrupt: the watcher's thread reads files, and an interrupt closes a file channel mid-read.
        asked.set(why);
    }

    private void run() {
        long recheckAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(RECHECK_SECONDS);
        while (!closed) {
            WatchKey key;
            try {
                key = watch.poll(TRIGGER_MILLIS, TimeUnit.MILLISECONDS);
                if (key != null) {
                    Thread.sleep(SETTLE_MILLIS);
                    drain(key); // every key reset, or its directory would report nothing more
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return; // closed
            }
            String why = asked.getAndSet(null);
            if (key == null && why == null && System.nanoTime() - recheckAt < 0) {
                continue;
            }
            recheckAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(RECHECK_SECONDS);
            byte[][] now = hashes();
            boolean gone = Arrays.stream(now).anyMatch(h -> h == null);
            if (why == null && (gone || Arrays.deepEquals(now, loaded))) {
                continue; // no change, or a file is gone for a moment (mid-swap): keep what runs
            }
            loaded = now;
            try {
                reload.accept(why != null ? why : "file change");
            } catch (RuntimeException e) {
                // refused: already logged and counted by the reload; the next change is tried again
            }
        }
    }

    private void drain(WatchKey key) {
        for (WatchKey k = key; k != null; k = watch.poll()) {
            k.pollEvents();
            k.reset();
        }
    }

    private byte[][] hashes() {
        byte[][] out = new byte[files.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = hash(files.get(i));
        }
        return out;
    }

    /** The SHA-256 of the file's content, read through symlinks; {@code null} when it cannot be read. */
    private static byte[] hash(Path file) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", file, e.toString());
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            watch.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service", e);
        }
        thread.interrupt();
    }
}
