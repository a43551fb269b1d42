package dev.gateway.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

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
     * @throws ConfigException naming the setting (never the text) when it is not {@code host:port}: the host
     *         neither a DNS name nor a dotted IPv4 address (a scheme, a path, user info, spaces), an IPv6
     *         address outside brackets or not one, the port not 1 to 65535 in ASCII digits
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
                throw ConfigException.ofSetting(setting,
                        "has brackets around something that is not an IPv6 address (with a zone of this machine's)");
            }
        } else if (host.indexOf(':') >= 0 && host.indexOf('/') < 0 && host.indexOf('@') < 0) {
            throw ConfigException.ofSetting(setting, "has an IPv6 address outside brackets (write [address]:port)");
        } else if (!isHostName(host)) {
            throw ConfigException.ofSetting(setting, "expected host:port, the host a DNS name (labels of letters,"
                    + " digits, '-' and '_') or a dotted IPv4 address; no scheme, no path");
        }
        String digits = text.substring(colon + 1);
        if (digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ConfigException.ofSetting(setting, "has a port that is not a number");
        }
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw ConfigException.ofSetting(setting, "has a port out of range (1 to 65535)");
        }
        return new HostPort(host, port);
    }

    /**
     * A host alone, as a name a TLS certificate is checked against.
     *
     * @param text a DNS name, a dotted IPv4 address, or an IPv6 address (in brackets or not, without a zone)
     * @param setting the dotted path of the setting it comes from, for the error
     * @return the host, an IPv6 address without brackets
     * @throws ConfigException naming the setting (never the text) when it is none of those
     */
    public static String host(String text, String setting) {
        String host = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        boolean ok = host.indexOf(':') >= 0 ? host.indexOf('%') < 0 && isIpv6Literal(host) : isHostName(host);
        if (!ok) {
            throw ConfigException.ofSetting(setting, "expected a DNS name (labels of letters, digits, '-' and '_') or"
                    + " an IP address; no scheme, no port, no path");
        }
        return host;
    }

    /**
     * A DNS name (RFC 1123: labels of 1 to 63 letters, digits and inner '-', 253 characters at most, one
     * trailing dot allowed; '_' too, which container networks' service names may hold), or a dotted IPv4
     * address of four numbers up to 255. A name of digits and dots alone must be such an address: the JDK
     * would read {@code 10.1} as 10.0.0.1 and {@code 1234} as 0.0.4.210.
     */
    private static boolean isHostName(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        if (name.chars().allMatch(c -> c >= '0' && c <= '9' || c == '.')) {
            return isDottedQuad(name);
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.charAt(0) == '-'
                    || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isDottedQuad(String name) {
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * An IPv6 address as the JDK parses it (RFC 4291 section 2.2), with an optional zone ({@code %eth0}) that
     * must name an interface of this machine. Only the characters of such an address are handed to the JDK,
     * in brackets, which it never looks up in DNS.
     */
    private static boolean isIpv6Literal(String host) {
        if (host.indexOf(':') < 0) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':' || c == '.'
                    || c == '%' || c == '_' || c == '-')) {
                return false;
            }
        }
        try {
            InetAddress.getByName("[" + host + "]"); // an IPv4-mapped address comes back as IPv4: fine
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
