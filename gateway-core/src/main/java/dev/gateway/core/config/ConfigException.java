package dev.gateway.core.config;

/**
 * A configuration that cannot be used. The message names the setting (its dotted path, such as
 * {@code auth.hmacKeys.k1}) and the problem, and never quotes a value: a configuration holds secrets. Once
 * {@link LayeredConfig} has placed it, the message starts with the file of the layer at fault and, where the
 * YAML parser knew them, the line and column ({@code gw.yaml:4:7: setting 'listener.port' must be ...}).
 */
public final class ConfigException extends RuntimeException {
    /** The dotted path of the setting at fault, or {@code null} when the error is about no one setting. */
    private final String setting;
    /** The message already names the file (and line) it is about. */
    private final boolean placed;

    public ConfigException(String message) {
        this(null, message, false, null);
    }

    public ConfigException(String message, Throwable cause) {
        this(null, message, false, cause);
    }

    private ConfigException(String setting, String message, boolean placed, Throwable cause) {
        super(message, cause);
        this.setting = setting;
        this.placed = placed;
    }

    /**
     * An error about one setting, worded {@code setting 'PATH' PROBLEM}.
     *
     * @param path the setting's dotted path ({@code routes[0].upstream})
     * @param problem what is wrong, without the value
     */
    public static ConfigException ofSetting(String path, String problem) {
        return new ConfigException(path, "setting '" + path + "' " + problem, false, null);
    }

    /**
     * An error about one setting, worded whole by the caller (it names the setting itself).
     *
     * @param path the setting's dotted path, by which the error is placed in a file
     */
    public static ConfigException about(String path, String message) {
        return new ConfigException(path, message, false, null);
    }

    /** The dotted path of the setting at fault, or {@code null} when the error is about no one setting. */
    public String setting() {
        return setting;
    }

    /** Whether the message already names the file (and line) it is about. */
    public boolean placed() {
        return placed;
    }

    /**
     * This error with its place in front of the message.
     *
     * @param where the file, with {@code :LINE:COLUMN} when known ({@code gw.yaml:4:7})
     */
    ConfigException placedAt(String where) {
        return new ConfigException(setting, where + ": " + getMessage(), true, this);
    }

    /** An error whose message already names its file and line. */
    static ConfigException inFile(String setting, String message) {
        return new ConfigException(setting, message, true, null);
    }
}
