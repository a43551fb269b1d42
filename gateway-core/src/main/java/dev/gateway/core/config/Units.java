package dev.gateway.core.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses the human units of the configuration file. Errors say what was expected and never quote the
 * text: it may be a secret typed in the wrong place.
 */
public final class Units {
    private Units() {
    }

    /**
     * @param text {@code 250ms}, {@code 2s}, {@code 5m} or {@code 1h}
     * @throws IllegalArgumentException not a duration, or over about 30,000 years
     */
    public static Duration parseDuration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("expected a duration such as 250ms, 2s or 5m");
        }
        if (i > 12) { // more than 30,000 years in milliseconds: a typo, and it would overflow below
            throw new IllegalArgumentException("is a duration out of range");
        }
        long n = Long.parseLong(s.substring(0, i));
        switch (s.substring(i).trim()) {
            case "ms":
                return Duration.ofMillis(n);
            case "s":
                return Duration.ofSeconds(n);
            case "m":
                return Duration.ofMinutes(n);
            case "h":
                return Duration.ofHours(n);
            default:
                throw new IllegalArgumentException("expected a duration such as 250ms, 2s or 5m");
        }
    }

    /**
     * @param text a number of bytes: {@code 8192}, {@code 8KiB}, {@code 256MiB}, {@code 1GiB}
     * @throws IllegalArgumentException not a size, or over 12 digits
     */
    public static long parseBytes(String text) {
        String s = text.trim();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("expected a size such as 8192, 8KiB or 256MiB");
        }
        if (i > 12) { // a terabyte and more: a typo, and the shifts below would overflow
            throw new IllegalArgumentException("is a size out of range");
        }
        long n = Long.parseLong(s.substring(0, i));
        switch (s.substring(i).trim()) {
            case "":
            case "B":
                return n;
            case "KiB":
                return n << 10;
            case "MiB":
                return n << 20;
            case "GiB":
                return n << 30;
            default:
                throw new IllegalArgumentException("expected a size such as 8192, 8KiB or 256MiB");
        }
    }
}
