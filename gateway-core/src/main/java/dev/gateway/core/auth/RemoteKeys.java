package dev.gateway.core.auth;

import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The public keys behind a JWKS URL, fetched on a background thread and swapped in whole: request
 * threads read one volatile reference and never wait for the network. A token with an unknown key id
 * asks for an early refetch, granted at most once per {@code minRefresh} so that tokens with made-up
 * key ids cannot hammer the identity provider.
 */
final class RemoteKeys {
    private static final Logger LOG = LogManager.getLogger(RemoteKeys.class);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);
    /** A JWK set is a few KiB; anything near this is not one. */
    private static final int MAX_BYTES = 1 << 20;

    private final URI url;
    private final long minRefreshNanos;
    private final ScheduledExecutorService background;
    private final HttpClient http;
    /** When an unknown key id last caused a fetch; the scheduled refreshes do not count. */
    private final AtomicLong lastEarlyFetchNanos;
    private volatile VerificationKeys keys = VerificationKeys.NONE;

    RemoteKeys(String url, Duration refresh, Duration minRefresh, ScheduledExecutorService background) {
        this.url = URI.create(url);
        this.minRefreshNanos = minRefresh.toNanos();
        this.background = background;
        this.http = HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.lastEarlyFetchNanos = new AtomicLong(System.nanoTime() - minRefreshNanos);
        background.scheduleWithFixedDelay(this::fetch, refresh.toNanos(), refresh.toNanos(), TimeUnit.NANOSECONDS);
    }

    VerificationKeys current() {
        return keys;
    }

    /**
     * Fetches the keys once, now, on the calling thread (start-up, before any request): a gateway that
     * cannot reach its identity provider still starts, refuses tokens, and keeps trying.
     */
    void fetchNow() {
        fetch();
        if (keys.isEmpty()) {
            background.schedule(this::retryUntilLoaded, minRefreshNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void retryUntilLoaded() {
        fetch();
        if (keys.isEmpty()) {
            background.schedule(this::retryUntilLoaded, minRefreshNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A token named a key id no key has: refetch soon, unless that was done within {@code minRefresh}. */
    void unknownKeyId() {
        long last = lastEarlyFetchNanos.get();
        long now = System.nanoTime();
        if (now - last >= minRefreshNanos && lastEarlyFetchNanos.compareAndSet(last, now)) {
            background.execute(this::fetch);
        }
    }

    private void fetch() {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(url).timeout(FETCH_TIMEOUT)
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                LOG.warn("JWKS {}: status {}; keeping the {} keys loaded before", url, r.statusCode(), keys.size());
                return;
            }
            if (r.body().length > MAX_BYTES) {
                LOG.warn("JWKS {}: {} bytes is too large for a key set; keeping the keys loaded before", url,
                        r.body().length);
                return;
            }
            JWKSet set = JWKSet.parse(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
            VerificationKeys loaded = VerificationKeys.publicKeys(set,
                    skipped -> LOG.warn("JWKS {}: key {} left out", url, skipped));
            if (loaded.size() != keys.size()) {
                LOG.info("JWKS {}: {} signature keys", url, loaded.size());
            }
            keys = loaded;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("JWKS {}: cannot load ({}); keeping the {} keys loaded before", url, e.toString(), keys.size());
        }
    }
}
