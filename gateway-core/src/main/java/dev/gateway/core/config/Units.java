package dev.gateway.core.config;

import java.time.Duration;
import java.util.Locale;

/** Parses the human units of the configuration file. */
public final class Units {
    private Units() {
    }

    public static Duration parseDuration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("expected a duration such as 250ms, 2s or 5m, got '" + text + "'");
        }
        if (i > 12) { // more than 30,000 years in milliseconds: a typo, and it would overflow below
            throw new IllegalArgumentException("duration '" + text + "' is out of range");
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
                throw new IllegalArgumentException("expected a duration such as 250ms, 2s or 5m, got '" + text + "'");
        }
    }

    public static long parseBytes(String text) {
        String s = text.trim();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("expected a size such as 8192, 8KiB or 256MiB, got '" + text + "'");
        }
        if (i > 12) { // more than 30,000 years in milliseconds: a typo, and it would overflow below
            throw new IllegalArgumentException("duration '" + text + "' is out of range");
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
                throw new IllegalArgumentException("expected a size such as 8192, 8KiB or 256MiB, got '" + text + "'");
        }
    }
}
