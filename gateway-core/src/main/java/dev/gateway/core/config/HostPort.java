package dev.gateway.core.config;

/** A {@code host:port} pair from the configuration. */
public record HostPort(String host, int port) {
    /**
     * @param text {@code host:port}, the port from 1 to 65535
     * @param setting the dotted path of the setting it comes from, for the error
     * @throws ConfigException naming the setting (never the text) when it is not {@code host:port}
     */
    public static HostPort parse(String text, String setting) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw ConfigException.ofSetting(setting, "expected host:port");
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
        return new HostPort(text.substring(0, colon), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
