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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Watches the configuration file and asks for a reload when its content changes, and when
 * {@link #trigger} is called (SIGHUP, say). It watches the file's directory rather than the file
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

    private final Path file;
    private final Consumer<String> reload;
    private final WatchService watch;
    private final Thread thread;
    private final AtomicReference<String> asked = new AtomicReference<>();
    private byte[] loaded;
    private volatile boolean closed;

    private ConfigWatcher(Path file, Consumer<String> reload) throws IOException {
        this.file = file.toAbsolutePath();
        this.reload = reload;
        this.loaded = hash(this.file);
        this.watch = FileSystems.getDefault().newWatchService();
        this.file.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = new Thread(this::run, "gateway-config-watch");
        thread.setDaemon(true);
    }

    /**
     * Starts watching.
     *
     * @param file the configuration file, as given on the command line
     * @param reload called with why ({@code file change}, or what {@link #trigger} was given) when the
     *     content changed or a reload was asked for; it applies or refuses the file itself
     * @throws IOException the directory cannot be watched
     */
    public static ConfigWatcher start(Path file, Consumer<String> reload) throws IOException {
        ConfigWatcher w = new ConfigWatcher(file, reload);
        w.thread.start();
        return w;
    }

    /** Asks for a reload now, whether or not the file changed (SIGHUP). Returns at once. */
    public void trigger(String why) {
        asked.set(why);
        thread.interrupt(); // wakes the wait for events
    }

    private void run() {
        while (!closed) {
            WatchKey key = null;
            try {
                key = watch.poll(RECHECK_SECONDS, TimeUnit.SECONDS);
                if (key != null) {
                    Thread.sleep(SETTLE_MILLIS);
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (ClosedWatchServiceException e) {
                return;
            }
            try {
                if (key != null) {
                    drain(key); // every key reset, or its directory would report nothing more
                }
            } catch (ClosedWatchServiceException e) {
                return;
            }
            Thread.interrupted(); // a trigger that came while reloading is in `asked`, not lost
            String why = asked.getAndSet(null);
            byte[] now = hash(file);
            if (why == null && (now == null || Arrays.equals(now, loaded))) {
                continue; // no change, or the file is gone for a moment (mid-swap): keep what runs
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
