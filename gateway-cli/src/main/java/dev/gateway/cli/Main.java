package dev.gateway.cli;

import dev.gateway.cli.replay.ReplayCommand;
import dev.gateway.core.auth.Tokens;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigWatcher;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.Units;
import dev.gateway.core.contract.ContractException;
import dev.gateway.core.server.Gateway;
import dev.gateway.demo.DemoUpstreams;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import sun.misc.Signal;

/**
 * {@code java -jar gateway.jar [--config FILE]} runs the gateway;
 * {@code java -jar gateway.jar demo-upstreams [--host H] [--trade-port N] [--task-port N]} runs the demo
 * services alone; {@code token} prints a JWT; {@code replay} sends a capture to two targets
 * ({@link ReplayCommand}).
 */
public final class Main {
    private static final String USAGE = String.join("\n",
            "usage: java -jar gateway.jar [--config FILE]",
            "       java -jar gateway.jar demo-upstreams [--host 127.0.0.1] [--trade-port 9001] [--task-port 9002]",
            "       java -jar gateway.jar token [--config FILE] [--scopes 'trades:read trades:write'] [--subject S]",
            "                                   [--ttl 1h] [--kid ID]",
            "       java -jar gateway.jar replay --capture FILE --a URL --b URL [--speed 1.0] [--rate N/s]",
            "                                    [--concurrency 64] [--credentials-hook CMD] [--report DIR]",
            "                                    [--timeout 10s] [--header NAME]... [--ignore PATTERN]...",
            "                                    [--array PATTERN=MODE]...    (replay --help says more)",
            "       java -XX:ArchiveClassesAtExit=gateway.jsa -jar gateway.jar train",
            "",
            "With no --config the gateway serves the bundled contract on :8080 (admin 127.0.0.1:9090)",
            "with in-process demo upstreams and the demo credentials (README). Every setting and its",
            "default: gateway-defaults.yaml in the jar and the README. 'token' prints an HS256 JWT signed",
            "with the configuration's auth.hmacKeys (the demo's without --config). 'replay' sends a capture",
            "to two targets and reports where their answers differ. 'train' runs the demo",
            "on free ports through every stage and exits: the training run of the class-data archive.");

    static {
        // The OTLP exporter logs through java.util.logging: its lines join ours as JSON. Set before
        // anything touches java.util.logging, which reads it once.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        }
    }

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        try {
            if (args.length > 0 && args[0].equals("demo-upstreams")) {
                runDemo(args);
            } else if (args.length > 0 && args[0].equals("token")) {
                printToken(args);
            } else if (args.length > 0 && args[0].equals("replay")) {
                // Its own arguments, usage and exit status (2: bad arguments, 1: could not run); it logs nothing.
                System.exit(ReplayCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            } else if (args.length == 1 && args[0].equals("train")) {
                ArchiveTraining.run(); // the JVM writes the class-data archive as it exits
                LogManager.shutdown();
                System.exit(0);
            } else {
                runGateway(args);
            }
        } catch (UsageException | ConfigException | ContractException e) {
            System.err.println("gateway: " + e.getMessage());
            LogManager.shutdown(); // what was logged before the failure, still queued
            System.exit(2);
        }
    }

    private static void runGateway(String[] args) throws InterruptedException {
        GatewayConfig config = null; // the demo's only when no file is given: reading it costs start time
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config":
                    file = Path.of(value(args, ++i, "--config"));
                    config = GatewayConfig.load(file);
                    break;
                case "-h":
                case "--help":
                    System.out.println(USAGE);
                    return;
                default:
                    throw new UsageException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        if (config == null) {
            config = DemoGateway.demoConfig();
        }
        Logger log = LogManager.getLogger(Main.class);
        // Handlers first: a SIGTERM that lands while the gateway starts is still a drain, not an abrupt
        // exit that loses the log lines queued so far.
        CountDownLatch signalled = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> signalled.countDown());
        Signal.handle(new Signal("INT"), s -> signalled.countDown());
        DemoGateway gateway = DemoGateway.start(config); // with the demo services when an endpoint is 'demo'
        ConfigWatcher watcher = reloads(gateway, file, config.migration().watchConfig(), log);
        gateway.warmUp(); // /readyz says 503 until it is over
        signalled.await();
        if (watcher != null) {
            watcher.close();
        }
        try {
            log.info("signal received: shutting down");
            gateway.shutdown().join();
        } catch (Throwable t) {
            // A shutdown that cannot even begin (the jar replaced under a running process, say) must
            // not leave a process that ignores SIGTERM: stop at once instead.
            System.err.println("gateway: cannot drain (" + t + "); stopping now");
            Runtime.getRuntime().halt(1);
        }
        LogManager.shutdown();
        System.exit(0);
    }

    /**
     * Reloads the file on SIGHUP and {@code POST /admin/reload} ({@link Gateway#reload}), and on every change
     * of it when {@code migration.watchConfig} is on: routes' split and shadow change; a bad file is refused
     * and the running configuration stays. Without a file, SIGHUP is logged and ignored (it must not stop
     * the process the way the JVM's default would).
     *
     * @return the watcher, or {@code null} when the file is not watched
     */
    private static ConfigWatcher reloads(DemoGateway gateway, Path file, boolean watch, Logger log) {
        if (file == null) {
            Signal.handle(new Signal("HUP"), s -> log.warn("SIGHUP: started without --config, nothing to reload"));
            return null;
        }
        gateway.gateway().reloadFrom(() -> gateway.resolved(GatewayConfig.load(file)));
        Runnable onHangUp = () -> new Thread(() -> {
            try {
                gateway.gateway().reload("SIGHUP");
            } catch (RuntimeException refused) {
                // logged and counted by the reload; the running configuration stays
            }
        }, "gateway-reload").start();
        if (watch) {
            try {
                ConfigWatcher watcher = ConfigWatcher.start(file, why -> gateway.gateway().reload(why));
                Signal.handle(new Signal("HUP"), s -> watcher.trigger("SIGHUP"));
                log.info("watching {} for changes (and SIGHUP): routes' split and shadow are reloaded", file);
                return watcher;
            } catch (IOException e) {
                log.warn("cannot watch {} ({}); SIGHUP and POST /admin/reload still reload it", file, e.toString());
            }
        }
        Signal.handle(new Signal("HUP"), s -> onHangUp.run());
        return null;
    }

    private static void runDemo(String[] args) throws InterruptedException {
        String host = "127.0.0.1";
        int tradePort = 9001;
        int taskPort = 9002;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--host":
                    host = value(args, ++i, "--host");
                    break;
                case "--trade-port":
                    tradePort = port(value(args, ++i, "--trade-port"));
                    break;
                case "--task-port":
                    taskPort = port(value(args, ++i, "--task-port"));
                    break;
                default:
                    throw new UsageException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        DemoUpstreams demo = DemoUpstreams.start(host, tradePort, taskPort);
        System.out.println("demo upstreams: trade on " + host + ":" + demo.portOf("trade")
                + ", task on " + host + ":" + demo.portOf("task"));
        CountDownLatch stopped = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stopped.countDown());
        Signal.handle(new Signal("INT"), s -> stopped.countDown());
        stopped.await();
        demo.close();
        System.exit(0);
    }

    private static void printToken(String[] args) {
        GatewayConfig config = null;
        String scopes = "trades:read trades:write tasks:read tasks:write";
        String subject = "demo-user";
        Duration ttl = Duration.ofHours(1);
        String kid = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = GatewayConfig.load(Path.of(value(args, ++i, "--config")));
                case "--scopes" -> scopes = value(args, ++i, "--scopes");
                case "--subject" -> subject = value(args, ++i, "--subject");
                case "--kid" -> kid = value(args, ++i, "--kid");
                case "--ttl" -> {
                    try {
                        ttl = Units.parseDuration(value(args, ++i, "--ttl"));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--ttl: " + e.getMessage());
                    }
                }
                default -> throw new UsageException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        try {
            System.out.println(Tokens.mint((config == null ? DemoGateway.demoConfig() : config).auth(), kid, subject,
                    scopes, ttl));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new UsageException("not a port: '" + s + "'");
    }

    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
