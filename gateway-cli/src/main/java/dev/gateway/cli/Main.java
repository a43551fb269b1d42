package dev.gateway.cli;

import dev.gateway.cli.replay.ReplayCommand;
import dev.gateway.core.auth.Tokens;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLayer;
import dev.gateway.core.config.ConfigWatcher;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.LayeredConfig;
import dev.gateway.core.config.Units;
import dev.gateway.core.contract.ContractException;
import dev.gateway.core.server.Gateway;
import dev.gateway.demo.DemoUpstreams;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code java -jar gateway.jar [--demo] [--config FILE]...} runs the gateway on its configuration layers
 * ({@link #layers}); {@code java -jar gateway.jar demo-upstreams [--host H] [--trade-port N] [--task-port N]}
 * runs the demo services alone; {@code token} prints a JWT; {@code replay} sends a capture to two targets
 * ({@link ReplayCommand}); {@code train} is the class-data archive's training run. Each takes {@code --help}
 * (usage on stdout, exit 0); a bad argument exits 2 with the usage on stderr, a configuration that cannot
 * be used exits 2 with one line naming its file, line and setting.
 */
public final class Main {
    private static final String USAGE = String.join("\n",
            "usage: java -jar gateway.jar [--demo] [--config FILE]...",
            "       java -jar gateway.jar demo-upstreams [--host 127.0.0.1] [--trade-port 9001] [--task-port 9002]",
            "       java -jar gateway.jar token [--demo] [--config FILE]... [--scopes 'trades:read trades:write']",
            "                                   [--subject S] [--ttl 1h] [--kid ID]",
            "       java -jar gateway.jar replay --capture FILE --a URL --b URL [--speed 1.0] [--rate N/s]",
            "                                    [--concurrency 64] [--credentials-hook CMD] [--report DIR]",
            "                                    [--timeout 10s] [--header NAME]... [--ignore PATTERN]...",
            "                                    [--array PATTERN=MODE]...",
            "       java -XX:ArchiveClassesAtExit=gateway.jsa -jar gateway.jar train",
            "       (each subcommand's --help says more)",
            "",
            "The configuration is layers, merged in order over the bundled defaults (gateway-defaults.yaml in",
            "the jar: every setting and its default; the README lists them): with --demo, wherever it stands,",
            "the bundled demo configuration first (in-process demo upstreams, the public demo credentials:",
            "local use only), then each --config FILE in the order given. Maps merge key by key, lists and",
            "values are replaced, ~ removes a named entry. Without --config, --demo is implied: the bundled",
            "contract on :8080 (admin 127.0.0.1:9090). In demo mode the gateway prints, on stderr once it",
            "listens, curl lines that work against it. SIGHUP and POST /admin/reload (and, with",
            "migration.watchConfig, a change of any file) read every layer again.");
    private static final String DEMO_UPSTREAMS_USAGE = String.join("\n",
            "usage: java -jar gateway.jar demo-upstreams [--host 127.0.0.1] [--trade-port 9001] [--task-port 9002]",
            "",
            "Runs the demo trade and task services alone, without the gateway, until SIGTERM or Ctrl-C. Port 0",
            "picks a free one. Once they listen it prints their addresses on stdout:",
            "  demo upstreams: trade on HOST:PORT, task on HOST:PORT");
    private static final String TOKEN_USAGE = String.join("\n",
            "usage: java -jar gateway.jar token [--demo] [--config FILE]... [--scopes 'trades:read trades:write']",
            "                                   [--subject S] [--ttl 1h] [--kid ID]",
            "",
            "Prints an HS256 JWT on stdout, for local use and tests, signed with the configuration's",
            "auth.hmacKeys entry --kid (default: the first), with its first auth.issuers value as issuer and",
            "its auth.audience. The configuration is layered as the gateway's: --demo, then each --config FILE",
            "in order, over the defaults; without --config, the demo configuration's key.",
            "  --scopes   the space-separated scopes (default: trades:read trades:write tasks:read tasks:write)",
            "  --subject  the subject (default: demo-user)",
            "  --ttl      how long it is valid: 30s, 15m, 1h (default: 1h)");
    private static final String TRAIN_USAGE = String.join("\n",
            "usage: java -XX:ArchiveClassesAtExit=gateway.jsa -jar gateway.jar train",
            "",
            "The training run behind the class-data archive: the demo configuration on free loopback ports,",
            "its warm-up, requests through every stage and the admin listener, then a drain and exit 0.");
    /** The demo try-lines' way to mint a token, as the person reading them would type it. */
    static final String TOKEN_COMMAND_PROPERTY = "gateway.tokenCommand";

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
            } else if (args.length > 0 && args[0].equals("train")) {
                for (int i = 1; i < args.length; i++) {
                    if (!isHelp(args[i])) {
                        throw new UsageException("unknown argument '" + args[i] + "'", TRAIN_USAGE);
                    }
                }
                if (args.length > 1) {
                    System.out.println(TRAIN_USAGE);
                    return;
                }
                ArchiveTraining.run(); // the JVM writes the class-data archive as it exits
                LogManager.shutdown();
                System.exit(0);
            } else {
                runGateway(args);
            }
        } catch (UsageException e) {
            System.err.println("gateway: " + e.getMessage() + "\n" + e.usage);
            System.exit(2);
        } catch (ConfigException | ContractException e) {
            System.err.println("gateway: " + e.getMessage());
            LogManager.shutdown(); // what was logged before the failure, still queued
            System.exit(2);
        }
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h");
    }

    /**
     * The configuration layers the arguments name, in merge order: the bundled demo configuration when
     * {@code demo} is set or no file is given, then the files in the order given.
     */
    static List<ConfigLayer> layers(boolean demo, List<Path> files) {
        List<ConfigLayer> layers = new ArrayList<>();
        if (demo || files.isEmpty()) {
            layers.add(DemoGateway.demoLayer());
        }
        files.forEach(f -> layers.add(ConfigLayer.file(f)));
        return List.copyOf(layers);
    }

    private static void runGateway(String[] args) throws InterruptedException {
        boolean demo = false;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> files.add(Path.of(value(args, ++i, "--config", USAGE)));
                case "--demo" -> demo = true;
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> throw new UsageException("unknown argument '" + args[i] + "'", USAGE);
            }
        }
        List<ConfigLayer> layers = layers(demo, files);
        LayeredConfig loaded = LayeredConfig.load(layers); // before anything starts: a bad file costs nothing
        GatewayConfig config = loaded.config();
        Logger log = LogManager.getLogger(Main.class);
        // Handlers first: a SIGTERM that lands while the gateway starts is still a drain, not an abrupt
        // exit that loses the log lines queued so far.
        CountDownLatch signalled = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> signalled.countDown());
        Signal.handle(new Signal("INT"), s -> signalled.countDown());
        DemoGateway gateway;
        try {
            gateway = DemoGateway.start(config); // with the demo services when an endpoint is 'demo'
        } catch (ConfigException e) {
            throw loaded.place(e); // a route, an endpoint, a listener: named in the file that set it
        }
        ConfigWatcher watcher = reloads(gateway, layers, config.migration().watchConfig(), log);
        if (demo || files.isEmpty()) {
            System.err.print(TryLines.of(config, gateway.port(), gateway.adminPort(), tokenCommand()));
            System.err.flush();
        }
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
     * How the try-lines say to mint a token: {@code -Dgateway.tokenCommand} ({@code scripts/run} gives
     * {@code scripts/token}), else this jar's {@code token} subcommand.
     */
    private static String tokenCommand() {
        String given = System.getProperty(TOKEN_COMMAND_PROPERTY);
        if (given != null && !given.isBlank()) {
            return given;
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (jar.toString().endsWith(".jar")) {
                return "java -jar " + jar + " token";
            }
        } catch (URISyntaxException | RuntimeException e) {
            // not from a jar file: the generic form below
        }
        return "java -jar gateway.jar token";
    }

    /**
     * Reloads every layer, in order, on SIGHUP and {@code POST /admin/reload} ({@link Gateway#reload}), and
     * on every change of any of the files when {@code migration.watchConfig} is on: routes' split and shadow
     * change; a configuration that does not load is refused (its message naming the file at fault) and the
     * running one stays. Without a file, SIGHUP is logged and ignored (it must not stop the process the way
     * the JVM's default would).
     *
     * @return the watcher, or {@code null} when the files are not watched
     */
    private static ConfigWatcher reloads(DemoGateway gateway, List<ConfigLayer> layers, boolean watch, Logger log) {
        List<Path> files = LayeredConfig.files(layers);
        if (files.isEmpty()) {
            handleHangUp(log, s -> log.warn("SIGHUP: started without --config, nothing to reload"));
            return null;
        }
        gateway.gateway().reloadFrom(() -> {
            LayeredConfig again = LayeredConfig.load(layers);
            try {
                return gateway.resolved(again.config());
            } catch (ConfigException e) {
                throw again.place(e);
            }
        });
        Runnable onHangUp = () -> new Thread(() -> {
            try {
                gateway.gateway().reload("SIGHUP");
            } catch (RuntimeException refused) {
                // logged and counted by the reload; the running configuration stays
            }
        }, "gateway-reload").start();
        if (watch) {
            try {
                ConfigWatcher watcher = ConfigWatcher.start(files, why -> gateway.gateway().reload(why));
                handleHangUp(log, s -> {
                    log.info("SIGHUP: reading every layer again");
                    watcher.trigger("SIGHUP");
                });
                log.info("watching {} for changes (and SIGHUP): routes' split and shadow are reloaded", files);
                return watcher;
            } catch (IOException e) {
                log.warn("cannot watch {} ({}); SIGHUP and POST /admin/reload still reload them", files, e.toString());
            }
        }
        handleHangUp(log, s -> onHangUp.run());
        return null;
    }

    /**
     * Handles SIGHUP with {@code handler}, unless what started the process ignores it (nohup): the JVM then
     * leaves it ignored, and the gateway says so, with the other ways to reload.
     */
    private static void handleHangUp(Logger log, SignalHandler handler) {
        if (Signal.handle(new Signal("HUP"), handler) == SignalHandler.SIG_IGN) {
            log.warn("SIGHUP is ignored by what started the gateway (nohup, say), so it cannot ask for a reload: "
                    + "use POST /admin/reload, or migration.watchConfig");
        }
    }

    private static void runDemo(String[] args) throws InterruptedException {
        String host = "127.0.0.1";
        int tradePort = 9001;
        int taskPort = 9002;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = value(args, ++i, "--host", DEMO_UPSTREAMS_USAGE);
                case "--trade-port" -> tradePort = port(value(args, ++i, "--trade-port", DEMO_UPSTREAMS_USAGE));
                case "--task-port" -> taskPort = port(value(args, ++i, "--task-port", DEMO_UPSTREAMS_USAGE));
                case "-h", "--help" -> {
                    System.out.println(DEMO_UPSTREAMS_USAGE);
                    return;
                }
                default -> throw new UsageException("unknown argument '" + args[i] + "'", DEMO_UPSTREAMS_USAGE);
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
        boolean demo = false;
        List<Path> files = new ArrayList<>();
        String scopes = "trades:read trades:write tasks:read tasks:write";
        String subject = "demo-user";
        Duration ttl = Duration.ofHours(1);
        String kid = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> demo = true;
                case "--config" -> files.add(Path.of(value(args, ++i, "--config", TOKEN_USAGE)));
                case "--scopes" -> scopes = value(args, ++i, "--scopes", TOKEN_USAGE);
                case "--subject" -> subject = value(args, ++i, "--subject", TOKEN_USAGE);
                case "--kid" -> kid = value(args, ++i, "--kid", TOKEN_USAGE);
                case "--ttl" -> {
                    try {
                        ttl = Units.parseDuration(value(args, ++i, "--ttl", TOKEN_USAGE));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--ttl: " + e.getMessage(), TOKEN_USAGE);
                    }
                }
                case "-h", "--help" -> {
                    System.out.println(TOKEN_USAGE);
                    return;
                }
                default -> throw new UsageException("unknown argument '" + args[i] + "'", TOKEN_USAGE);
            }
        }
        GatewayConfig config = LayeredConfig.load(layers(demo, files)).config();
        try {
            System.out.println(Tokens.mint(config.auth(), kid, subject, scopes, ttl));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), TOKEN_USAGE);
        }
    }

    private static String value(String[] args, int i, String flag, String usage) {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value", usage);
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
        throw new UsageException("not a port: '" + s + "'", DEMO_UPSTREAMS_USAGE);
    }

    /** Arguments the command cannot run with: exit status 2, the message and the command's usage on stderr. */
    private static final class UsageException extends RuntimeException {
        final String usage;

        UsageException(String message, String usage) {
            super(message);
            this.usage = usage;
        }
    }
}
