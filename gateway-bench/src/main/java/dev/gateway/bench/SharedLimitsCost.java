package dev.gateway.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What shared rate limits cost a round trip, measured so that the machine's neighbours weigh on both sides
 * alike: the authenticated GET of {@link RoundTripSharedLimitsBenchmark} through the gateway with local limits and
 * through the one with limits shared on Redis, in alternating blocks of one second each (one keep-alive
 * connection each, one request at a time), every round trip timed. JMH runs one benchmark after the other,
 * so a slow minute lands on one of them; here it lands on a block of each. Prints each side's percentiles
 * (µs) and their ratios, shared ÷ local.
 *
 * <p>Usage: {@code java -cp gateway-bench/target/benchmarks.jar dev.gateway.bench.SharedLimitsCost [BLOCKS]}
 * (default 30 blocks a side after 10 of warm-up; {@code redis-server} on PATH).
 */
public final class SharedLimitsCost {
    private static final long BLOCK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final double[] PERCENTILES = {0, 50, 90, 99, 99.9};

    private SharedLimitsCost() {
    }

    public static void main(String[] args) throws Exception {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        RoundTripSharedLimitsBenchmark bench = new RoundTripSharedLimitsBenchmark();
        bench.start();
        RoundTripSharedLimitsBenchmark.Clients clients = new RoundTripSharedLimitsBenchmark.Clients();
        try {
            clients.connect(bench);
            Samples local = new Samples();
            Samples shared = new Samples();
            Samples discard = new Samples();
            for (int i = 0; i < 10; i++) { // warm-up: both paths compiled, the lease grown
                block(() -> bench.gatewayLocal(clients), discard.reset());
                block(() -> bench.gatewaySharedLimits(clients), discard.reset());
            }
            double refillsBefore = refills(bench.sharedAdminPort());
            for (int i = 0; i < blocks; i++) {
                // Which side goes first alternates too, so neither always follows the other.
                if (i % 2 == 0) {
                    block(() -> bench.gatewayLocal(clients), local);
                    block(() -> bench.gatewaySharedLimits(clients), shared);
                } else {
                    block(() -> bench.gatewaySharedLimits(clients), shared);
                    block(() -> bench.gatewayLocal(clients), local);
                }
            }
            double[] l = local.percentiles();
            double[] s = shared.percentiles();
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-22s %10s", "round trip (µs)", "n"));
            for (double p : PERCENTILES) {
                out.append(String.format(Locale.ROOT, " %9s", p == 0 ? "fastest" : "p" + trim(p)));
            }
            out.append(String.format(Locale.ROOT, "%n%-22s %10d", "local limits", local.size));
            for (double v : l) {
                out.append(String.format(Locale.ROOT, " %9.1f", v / 1000));
            }
            out.append(String.format(Locale.ROOT, "%n%-22s %10d", "shared limits (Redis)", shared.size));
            for (double v : s) {
                out.append(String.format(Locale.ROOT, " %9.1f", v / 1000));
            }
            out.append(String.format(Locale.ROOT, "%n%-22s %10s", "shared ÷ local", ""));
            for (int i = 0; i < l.length; i++) {
                out.append(String.format(Locale.ROOT, " %9.3f", s[i] / l[i]));
            }
            double refills = refills(bench.sharedAdminPort()) - refillsBefore;
            out.append(String.format(Locale.ROOT, "%nshared limits: %.0f lease refills from Redis, %.1f a second of its"
                    + " blocks, one per %.0f requests", refills, refills / blocks, shared.size / refills));
            System.out.println(out);
        } finally {
            clients.disconnect();
            bench.stop();
        }
    }

    /** {@code gateway_rate_limit_store_duration_seconds_count}: the refills Redis has answered. */
    private static double refills(int adminPort) throws IOException, InterruptedException {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), BodyHandlers.ofString()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("gateway_rate_limit_store_duration_seconds_count ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("no gateway_rate_limit_store_duration_seconds_count in the metrics");
    }

    private static String trim(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    private interface RoundTrip {
        int run() throws IOException;
    }

    /** Round trips for one block's time, each timed into {@code into}. */
    private static void block(RoundTrip roundTrip, Samples into) throws IOException {
        long end = System.nanoTime() + BLOCK_NANOS;
        for (long t = System.nanoTime(); t - end < 0; ) {
            roundTrip.run();
            long after = System.nanoTime();
            into.add(after - t);
            t = after;
        }
    }

    /** Round-trip times in nanoseconds, grown as needed. */
    private static final class Samples {
        long[] nanos = new long[1 << 16];
        int size;

        void add(long v) {
            if (size == nanos.length) {
                nanos = Arrays.copyOf(nanos, size * 2);
            }
            nanos[size++] = v;
        }

        Samples reset() {
            size = 0;
            return this;
        }

        /** The nearest-rank percentiles of {@link #PERCENTILES}, in nanoseconds. */
        double[] percentiles() {
            long[] sorted = Arrays.copyOf(nanos, size);
            Arrays.sort(sorted);
            double[] out = new double[PERCENTILES.length];
            for (int i = 0; i < out.length; i++) {
                int rank = (int) Math.ceil(PERCENTILES[i] / 100 * sorted.length);
                out[i] = sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
            }
            return out;
        }
    }
}
