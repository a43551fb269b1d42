package dev.gateway.core.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where two configurations differ: what a reload compares to refuse a change that only a restart can
 * make. Records are compared component by component, maps by key, lists by position, byte arrays (secrets,
 * key hashes) by content.
 */
public final class ConfigDiff {
    private ConfigDiff() {
    }

    /**
     * @return the dotted path of the first setting that differs ({@code upstreams.trade.responseTimeout}),
     *     or {@code null} when they are the same
     */
    public static String firstDifference(GatewayConfig a, GatewayConfig b) {
        String d = diff(a, b, "");
        // The store's settings are written under rateLimits (rateLimits.store, rateLimits.redis.timeout).
        return d != null && d.startsWith("rateLimitStore.") ? "rateLimits" + d.substring("rateLimitStore".length()) : d;
    }

    private static String diff(Object a, Object b, String path) {
        if (a == b) {
            return null;
        }
        if (a == null || b == null || a.getClass() != b.getClass()) {
            return path;
        }
        if (a instanceof byte[] x) {
            return Arrays.equals(x, (byte[]) b) ? null : path;
        }
        if (a instanceof Map<?, ?> x) {
            Map<?, ?> y = (Map<?, ?>) b;
            if (!x.keySet().equals(y.keySet())) {
                return path;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                String d = diff(e.getValue(), y.get(e.getKey()), join(path, String.valueOf(e.getKey())));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (a instanceof List<?> x) {
            List<?> y = (List<?>) b;
            if (x.size() != y.size()) {
                return path;
            }
            for (int i = 0; i < x.size(); i++) {
                String d = diff(x.get(i), y.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (a.getClass().isRecord()) {
            for (RecordComponent c : a.getClass().getRecordComponents()) {
                String d = diff(get(c, a), get(c, b), join(path, c.getName()));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return Objects.equals(a, b) ? null : path;
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName(), e);
        }
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
