package dev.gateway.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher over every layer's file: a change of any of them, wherever it lives, asks for one reload. */
class ConfigWatcherTest {
    @TempDir
    Path dir;

    /** Replaces the file in one step, as editors and deploy tools do. */
    private void replace(Path file, String content) throws Exception {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aChangeOfAnyOfTheFilesAsksForAReload() throws Exception {
        Path first = Files.createDirectories(dir.resolve("etc")).resolve("base.yaml");
        Path second = Files.createDirectories(dir.resolve("run")).resolve("port.yaml");
        Files.writeString(first, "eventLoops: 1\n");
        Files.writeString(second, "listener: {port: 8081}\n");
        BlockingQueue<String> asked = new LinkedBlockingQueue<>();
        try (ConfigWatcher watcher = ConfigWatcher.start(List.of(first, second), asked::add)) {
            replace(first, "eventLoops: 2\n"); // not the last layer: watched all the same
            assertEquals("file change", asked.poll(30, TimeUnit.SECONDS));
            replace(second, "listener: {port: 8082}\n");
            assertEquals("file change", asked.poll(30, TimeUnit.SECONDS));
            watcher.trigger("SIGHUP");
            assertEquals("SIGHUP", asked.poll(30, TimeUnit.SECONDS));
            // A rewrite with the same content is no change: the next reload asked for is the trigger's.
            replace(first, "eventLoops: 2\n");
            replace(second, "listener: {port: 8083}\n");
            assertEquals("file change", asked.poll(30, TimeUnit.SECONDS));
            watcher.trigger("after");
            assertEquals("after", asked.poll(30, TimeUnit.SECONDS));
        }
    }
}
