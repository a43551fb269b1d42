package dev.gateway.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One layer of configuration: a YAML map of settings, merged over the bundled defaults and the layers
 * before it ({@link LayeredConfig}). Either a file (read each time the configuration is loaded, so a reload
 * sees its changes) or YAML text (the demo configuration bundled in the jar, a test's).
 *
 * @param name names the layer in errors: the file as given on the command line, or the text's origin
 * @param file the file, or {@code null} for text
 * @param yaml the text, or {@code null} for a file
 */
public record ConfigLayer(String name, Path file, String yaml) {
    public ConfigLayer {
        Objects.requireNonNull(name);
        if ((file == null) == (yaml == null)) {
            throw new IllegalArgumentException("a layer is a file or text");
        }
    }

    /** A file, named in errors as given. */
    public static ConfigLayer file(Path file) {
        return new ConfigLayer(file.toString(), file, null);
    }

    /** YAML text, named {@code name} in errors ({@code gateway-demo.yaml}). */
    public static ConfigLayer yaml(String name, String yaml) {
        return new ConfigLayer(name, null, yaml);
    }

    /**
     * The layer's bytes, read now.
     *
     * @throws ConfigException the file cannot be read, naming it once with the reason (no such file, not
     *     readable, a directory)
     */
    byte[] read() {
        if (file == null) {
            return yaml.getBytes(StandardCharsets.UTF_8);
        }
        if (Files.isDirectory(file)) {
            throw ConfigException.inFile(null, name + ": cannot read the configuration file: it is a directory");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw ConfigException.inFile(null, name + ": cannot read the configuration file: " + reason(e));
        }
    }

    /** Why a file could not be read, in a few words and without its path (the caller names it once). */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "not readable (permission denied)";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getClass().getSimpleName();
    }
}
