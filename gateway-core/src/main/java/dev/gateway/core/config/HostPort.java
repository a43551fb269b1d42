package dev.gateway.core.config;

/** A {@code host:port} pair from the configuration. */
public record HostPort(String host, int port) {
    public static HostPort parse(String text, String setting) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigException("setting '" + setting + "' expected host:port, got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("setting '" + setting + "' has a bad port in '" + text + "'");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException("setting '" + setting + "' has a port out of range in '" + text + "'");
        }
        return new HostPort(text.substring(0, colon), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
