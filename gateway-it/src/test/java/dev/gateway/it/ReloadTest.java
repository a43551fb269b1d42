package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.cli.DemoGateway;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigWatcher;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.split.RouteMigration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration reload: the file watched (an edit in place, and a Kubernetes ConfigMap update, which swaps
 * the {@code ..data} symlink), applied atomically, and a bad file or a change that needs a restart refused
 * with the running configuration kept and the refusal counted.
 */
class ReloadTest {
    @TempDir
    Path dir;
    private TestUpstream canary;
    private TestUpstream stable;
    private DemoGateway gateway;
    private ConfigWatcher watcher;

    @BeforeEach
    void upstreams() throws Exception {
        canary = new TestUpstream();
        stable = new TestUpstream();
    }

    @AfterEach
    void close() {
        if (watcher != null) {
            watcher.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        canary.close();
        stable.close();
    }

    private String config(double canaryWeight, String responseTimeout) {
        return "listener: {host: 127.0.0.1, port: 0}\nadmin: {host: 127.0.0.1, port: 0}\n"
                + TestGateway.CREDENTIALS
                + "upstreams:\n"
                + "  trade: {endpoints: [" + canary.endpoint() + "], responseTimeout: " + responseTimeout + "}\n"
                + "  task: {endpoints: [" + canary.endpoint() + "]}\n"
                + "  legacy: {endpoints: [" + stable.endpoint() + "], forwardCredentials: true}\n"
                + "routes:\n"
                + "  - {prefix: /v1/trades, upstream: trade, split: {stable: legacy, canaryWeight: " + canaryWeight
                + "}}\n"
                + "  - {prefix: /v1/tasks, upstream: task}\n";
    }

    /** Starts from {@code file} and watches it, as the command line does. */
    private void start(Path file) throws Exception {
        gateway = DemoGateway.start(GatewayConfig.load(file));
        gateway.gateway().reloadFrom(() -> gateway.resolved(GatewayConfig.load(file)));
        watcher = ConfigWatcher.start(file, why -> gateway.gateway().reload(why));
    }

    /** Replaces the file in one step, as editors and deploy tools do: the watcher never sees half a file. */
    private void replace(Path file, String content) throws Exception {
        Path next = dir.resolve("next.yaml");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private int weight() {
        RouteMigration r = gateway.gateway().migration().plan().routes().get(0);
        return r.split().canaryBasisPoints();
    }

    private double reloads(String result) {
        return Samples.of(gateway, "gateway_config_reloads_total", "result", result);
    }

    @Test
    void anEditedFileIsAppliedAndABadOneRefused() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, config(10, "2s"));
        start(file);
        assertEquals(1000, weight());

        replace(file, config(25, "2s"));
        Poll.until(Duration.ofSeconds(15), "the new weight applied", () -> weight() == 2500);
        assertEquals(1, reloads("applied"));

        replace(file, "routes: [this is: not: yaml");
        Poll.until(Duration.ofSeconds(15), "the bad file refused", () -> reloads("refused") == 1);
        assertEquals(2500, weight(), "the running configuration stays");

        replace(file, config(40, "3s"));
        Poll.until(Duration.ofSeconds(15), "a change that needs a restart refused", () -> reloads("refused") == 2);
        assertEquals(2500, weight(), "refused as a whole: the weight in the same file is not applied either");
        ConfigException e = assertThrows(ConfigException.class, () -> gateway.gateway().reload("test"));
        assertTrue(e.getMessage().contains("upstreams.trade.responseTimeout"), e.getMessage());
        assertTrue(e.getMessage().contains("needs a restart"), e.getMessage());
    }

    /**
     * What the kubelet does: the file is a symlink to {@code ..data/gateway.yaml}, {@code ..data} a
     * symlink to a timestamped directory, and an update writes a new directory and renames a new
     * {@code ..data_tmp} symlink over {@code ..data}.
     */
    @Test
    void aConfigMapSymlinkSwapIsSeen() throws Exception {
        Path first = Files.createDirectory(dir.resolve("..2026_11_29_10_00_00.1"));
        Files.writeString(first.resolve("gateway.yaml"), config(0, "2s"));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = dir.resolve("gateway.yaml");
        Files.createSymbolicLink(file, Path.of("..data/gateway.yaml"));
        start(file);
        assertEquals(0, weight());

        Path second = Files.createDirectory(dir.resolve("..2026_11_29_10_05_00.2"));
        Files.writeString(second.resolve("gateway.yaml"), config(50, "2s"));
        Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Poll.until(Duration.ofSeconds(15), "the swapped ConfigMap applied", () -> weight() == 5000);
    }

    @Test
    void aReloadAsksWhateverTheFileSays() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, config(10, "2s"));
        start(file);
        gateway.gateway().migration().setCanaryWeight("/v1/trades", 7000, "admin", "test");
        watcher.trigger("SIGHUP"); // the file did not change, but a reload was asked for: the file wins
        Poll.until(Duration.ofSeconds(15), "the file's weight back", () -> weight() == 1000);
    }
}
