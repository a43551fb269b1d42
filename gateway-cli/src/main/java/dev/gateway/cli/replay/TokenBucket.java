package dev.gateway.cli.replay;

/**
 * The {@code --rate} bound: tokens come at {@code rate} per second, up to a burst of a tenth of a second's
 * worth (at least one), and each record takes one. Used by the dispatcher's one thread only.
 */
final class TokenBucket {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long last;

    /** @param rate per second; {@code 0} or less: no bound */
    TokenBucket(double rate, long now) {
        this.perNano = rate / 1e9;
        this.burst = Math.max(1, rate / 10);
        this.tokens = burst;
        this.last = now;
    }

    /** The burst: how many records may start at once after a pause. */
    double burst() {
        return burst;
    }

    /** @return 0 when a token was taken, else the nanoseconds until one is there (none taken) */
    long take(long now) {
        if (perNano <= 0) {
            return 0;
        }
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }
}
