package dev.gateway.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code lease.lua} against a real redis-server: GCRA on Redis's clock, granting up to what is asked. */
class LeaseScriptTest {
    private static final LeaseScript SCRIPT = LeaseScript.load();
    private static RedisServer redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        client = RedisClient.create(redis.uri());
        connection = client.connect();
    }

    @AfterAll
    static void stop() throws Exception {
        connection.close();
        client.shutdown();
        redis.close();
    }

    private static long[] lease(RedisCommands<String, String> redis, String key, long intervalMicros, int burst, long wanted) {
        List<Long> r = redis.eval(SCRIPT.text(), ScriptOutputType.MULTI, new String[] {key},
                Long.toString(intervalMicros), Integer.toString(burst), Long.toString(wanted));
        return new long[] {r.get(0), r.get(1)};
    }

    /** Redis's clock, microseconds. */
    private static long redisMicros(RedisCommands<String, String> redis) {
        List<String> t = redis.time();
        return Long.parseLong(t.get(0)) * 1_000_000 + Long.parseLong(t.get(1));
    }

    @Test
    void aFreshKeyGrantsTheBurstAndNoMore() {
        RedisCommands<String, String> r = connection.sync();
        // one token per second: nothing comes back during the test
        long[] first = lease(r, "fresh", 1_000_000, 10, 100);
        assertEquals(10, first[0], "a fresh bucket holds its burst");
        long[] second = lease(r, "fresh", 1_000_000, 10, 5);
        assertEquals(0, second[0], "an empty bucket grants nothing");
        assertTrue(second[1] > 0 && second[1] <= 1_000_000, "the wait is under one interval: " + second[1]);
        long pttl = r.pttl("fresh");
        assertTrue(pttl > 9_000 && pttl <= 10_001, "the key expires when the bucket is full again: " + pttl);
    }

    @Test
    void aSmallAskTakesOnlyWhatItAsksFor() {
        RedisCommands<String, String> r = connection.sync();
        assertEquals(3, lease(r, "small", 1_000_000, 10, 3)[0]);
        long[] second = lease(r, "small", 1_000_000, 10, 3);
        assertEquals(3, second[0]);
        assertEquals(0, second[1], "tokens remain, so no wait");
        assertEquals(3, lease(r, "small", 1_000_000, 10, 3)[0]);
        long[] last = lease(r, "small", 1_000_000, 10, 3);
        assertEquals(1, last[0], "only one of the ten is left");
        assertTrue(last[1] > 0, "and then none: a wait");
        assertEquals(0, r.exists("nothing-asked") + lease(r, "nothing-asked", 1_000, 10, 0)[0]);
        assertEquals(0, r.exists("nothing-asked"), "a lease of nothing writes no key");
    }

    @Test
    void anIdleKeyExpires() {
        RedisCommands<String, String> r = connection.sync();
        lease(r, "idle", 1_000, 2, 2); // full again 2 ms later
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (r.exists("idle") == 1 && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait(); // polls Redis until it expires the key
        }
        assertEquals(0, r.exists("idle"));
    }

    /** Asks without pause for about {@code millis}, then until the bucket gives less than asked. */
    @Test
    void overAWindowTheGrantsAreTheRateTimesTheTimePlusTheBurst() {
        RedisCommands<String, String> r = connection.sync();
        long interval = 1_000; // 1000 per second
        int burst = 50;
        long start = redisMicros(r);
        long total = 0;
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (true) {
            long[] g = lease(r, "window", interval, burst, 7);
            total += g[0];
            if (System.nanoTime() - deadline > 0 && g[0] < 7) {
                break;
            }
        }
        long end = redisMicros(r);
        double ideal = (end - start) / (double) interval + burst;
        System.out.printf("lease.lua, one client: granted %d over %.3f s at 1000/s, burst 50: rate×time+burst = %.1f%n",
                total, (end - start) / 1e6, ideal);
        assertTrue(total <= ideal, "never more than rate×time+burst: " + total + " > " + ideal);
        // Each call is a round trip: the first starts after `start` and the last ends before `end` by
        // under 10 ms each on loopback, and the last left less than one token behind.
        assertTrue(total >= ideal - 1 - 20, "no less than rate×time+burst less two round trips: " + total + " < " + ideal);
    }

    @Test
    void concurrentClientsNeverOverGrantInSum() throws Exception {
        long interval = 2_000; // 500 per second
        int burst = 20;
        int clients = 4;
        List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            connections.add(client.connect());
        }
        AtomicLong total = new AtomicLong();
        long start = redisMicros(connection.sync());
        long deadline = System.nanoTime() + 1_500_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (StatefulRedisConnection<String, String> c : connections) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() - deadline < 0) {
                    total.addAndGet(lease(c.sync(), "shared", interval, burst, 3)[0]);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long end = redisMicros(connection.sync());
        connections.forEach(StatefulRedisConnection::close);
        double ideal = (end - start) / (double) interval + burst;
        System.out.printf("lease.lua, %d clients: granted %d over %.3f s at 500/s, burst 20: rate×time+burst = %.1f%n",
                clients, total.get(), (end - start) / 1e6, ideal);
        assertTrue(total.get() <= ideal, "never more than rate×time+burst: " + total.get() + " > " + ideal);
        assertTrue(total.get() >= ideal - 3 * clients - 20, "the clients drained it: " + total.get() + " < " + ideal);
    }
}
