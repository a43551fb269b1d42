package dev.gateway.core.config;

/**
 * A {@code host:port} pair from the configuration: a DNS name or IPv4 address, or an IPv6 address in
 * brackets ({@code [::1]:6379}, as RFC 3986's authority writes it). {@link #host} holds the IPv6 address
 * without its brackets, as {@link java.net.InetSocketAddress} takes it.
 */
public record HostPort(String host, int port) {
    /**
     * @param text {@code host:port} or {@code [ipv6]:port}, the port from 1 to 65535
     * @param setting the dotted path of the setting it comes from, for the error
     * @return the host (IPv6 without brackets) and port
     * @throws ConfigException naming the setting (never the text) when it is not {@code host:port}, when the
     *         host holds anything but letters, digits, '.', '-' and '_' (a scheme, a path, user info), or when
     *         an IPv6 address is not in brackets
     */
    public static HostPort parse(String text, String setting) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw ConfigException.ofSetting(setting, "expected host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            host = host.substring(1, host.length() - 1);
            if (!isIpv6Literal(host)) {
                throw ConfigException.ofSetting(setting, "has brackets around something that is not an IPv6 address");
            }
        } else if (isIpv6Literal(host)) {
            throw ConfigException.ofSetting(setting, "has an IPv6 address outside brackets (write [address]:port)");
        } else if (!isHostName(host)) {
            throw ConfigException.ofSetting(setting,
                    "expected host:port, the host of letters, digits, '.', '-' and '_' (no scheme, no path)");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw ConfigException.ofSetting(setting, "has a port that is not a number");
        }
        if (port < 1 || port > 65535) {
            throw ConfigException.ofSetting(setting, "has a port out of range (1 to 65535)");
        }
        return new HostPort(host, port);
    }

    /** A DNS name or dotted IPv4 address; '_' too, which container networks' service names may hold. */
    private static boolean isHostName(String host) {
        if (host.isEmpty() || host.charAt(0) == '-' || host.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                    || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Hex digits, ':' (at least two) and '.' (an embedded IPv4 address); no zone id. */
    private static boolean isIpv6Literal(String host) {
        int colons = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == ':') {
                colons++;
            } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.')) {
                return false;
            }
        }
        return colons >= 2;
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
