package dev.gateway.cli;

import dev.gateway.core.auth.Tokens;
import dev.gateway.core.config.GatewayConfig.Listener;
import dev.gateway.core.config.GatewayConfig.WarmupConfig;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.server.WarmUp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The training run behind the class-data archive (JDK CDS, {@code -XX:ArchiveClassesAtExit}): the demo
 * configuration on free loopback ports, its warm-up, then requests through the real listener (so the
 * access log and the admin answers load their classes too), then a stop. The
 * JVM writes the archive as it exits; the launcher maps it at every start, so those classes are neither
 * parsed nor verified again.
 */
public final class ArchiveTraining {
    /** The demo's published API key (gateway-demo.yaml). */
    private static final String DEMO_KEY = "demo-key-local-only";

    private ArchiveTraining() {
    }

    /**
     * Runs the training and returns once the gateway it started has stopped.
     *
     * @throws IllegalStateException when a request through the real listener was not answered 2xx
     */
    public static void run() throws Exception {
        Listener loopback = new Listener("127.0.0.1", 0);
        GatewayConfig config = DemoGateway.demoConfig().withListeners(loopback, loopback)
                .withWarmup(new WarmupConfig(true, 500, Duration.ofSeconds(10)));
        DemoGateway gateway = DemoGateway.start(config);
        try {
            gateway.warmUp().join();
            String jwt = Tokens.mint(config.auth(), null, "training", "trades:read trades:write tasks:read tasks:write",
                    Duration.ofMinutes(5));
            AtomicInteger sent = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            WarmUp.drive(gateway.port(), WarmUp.requests(DEMO_KEY, jwt), 200, deadline, sent, failed);
            List<byte[]> admin = List.of(WarmUp.ascii("GET /readyz HTTP/1.1\r\nHost: admin\r\n\r\n"),
                    WarmUp.ascii("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n"),
                    WarmUp.ascii("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n"));
            AtomicInteger adminSent = new AtomicInteger();
            WarmUp.drive(gateway.adminPort(), admin, 3, deadline, adminSent, failed);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " training requests were not answered 2xx");
            }
        } finally {
            gateway.close(); // at once: the drain would only wait out its delay; then the demo services
        }
    }
}
