package dev.gateway.core.tls;

import dev.gateway.core.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * PEM files named by settings (RFC 7468), read for the listener's and the upstreams' contexts. Errors name
 * the setting and never the path or the content: a provider's message may quote what it could not parse.
 */
final class PemFiles {
    private PemFiles() {
    }

    /**
     * @param setting the setting that names the file, for errors
     * @return the X.509 certificates of {@code file}, in order, at least one
     * @throws ConfigException when the file cannot be read or holds no certificate
     */
    static List<X509Certificate> certificates(Path file, String setting) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .stream().map(X509Certificate.class::cast).toList();
            if (!certificates.isEmpty()) {
                return certificates;
            }
        } catch (IOException e) {
            throw ConfigException.ofSetting(setting, "cannot be read (" + reason(e) + ")");
        } catch (CertificateException | ClassCastException e) {
            // fall through: the provider's message is not repeated
        }
        throw ConfigException.ofSetting(setting, "holds no PEM X.509 certificate (-----BEGIN CERTIFICATE-----)");
    }

    /** Why a file could not be read, without its path (an {@link IOException}'s message holds it). */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getClass().getSimpleName();
    }
}
