package dev.gateway.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JWKS URL's keys against a real HTTP server; the background thread is drained, never waited on. */
class RemoteKeysTest {
    private HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> body = new AtomicReference<>();
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        body.set(new JWKSet(new RSAKeyGenerator(2048).keyID("k1").generate().toPublicJWK()).toString());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", ex -> {
            fetches.incrementAndGet();
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status.get(), b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        background.shutdownNow();
    }

    private RemoteKeys keys() {
        return new RemoteKeys("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks", Duration.ofHours(1),
                Duration.ofMinutes(1), background);
    }

    /** Runs everything queued on the background thread so far. */
    private void drain() throws Exception {
        background.submit(() -> { }).get();
    }

    @Test
    void unknownKeyIdsRefetchAtMostOncePerMinimumInterval() throws Exception {
        RemoteKeys keys = keys();
        keys.fetchNow();
        assertEquals(1, fetches.get());
        assertEquals(1, keys.current().candidates(JWSAlgorithm.RS256, "k1").size());
        for (int i = 0; i < 1000; i++) {
            keys.unknownKeyId(); // a flood of tokens with made-up kids
        }
        drain();
        assertEquals(2, fetches.get(), "the first unknown kid refetches, the rest wait a minute");
        for (int i = 0; i < 1000; i++) {
            keys.unknownKeyId();
        }
        drain();
        assertEquals(2, fetches.get());
    }

    @Test
    void aFailedFetchKeepsTheKeysLoadedBefore() throws Exception {
        RemoteKeys keys = keys();
        keys.fetchNow();
        status.set(500);
        keys.unknownKeyId();
        drain();
        assertEquals(2, fetches.get());
        assertEquals(1, keys.current().size());
        status.set(200);
        body.set("{\"keys\": [{\"kty\": \"nonsense\"}"); // not a JWK set
        keys.fetchNow();
        assertEquals(1, keys.current().size());
    }

    @Test
    void secretAndEncryptionKeysInAKeySetAreLeftOut() throws Exception {
        body.set("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"" + "A".repeat(43) + "\"},"
                + new RSAKeyGenerator(2048).keyID("enc").keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).generate()
                        .toPublicJWK().toJSONString() + "]}");
        RemoteKeys keys = keys();
        keys.fetchNow();
        assertEquals(0, keys.current().size());
        assertEquals(0, keys.current().candidates(JWSAlgorithm.HS256, "s").size());
    }
}
