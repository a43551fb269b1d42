package dev.gateway.core.auth;

import dev.gateway.core.config.AuthConfig;
import java.util.HashMap;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

/**
 * The configured client certificate subjects ({@code auth.clientCertificates.subjects}), each one caller.
 * A subject is matched by its canonical form ({@link X500Principal#CANONICAL}: RFC 4514 with case and
 * spacing folded), so the certificate's encoding of the name does not matter.
 */
final class CertificateSubjects {
    private final Map<String, Principal> principals = new HashMap<>();

    CertificateSubjects(AuthConfig.ClientCertificates config) {
        if (config.enabled()) {
            config.subjects().forEach((dn, scopes) -> principals.put(
                    new X500Principal(dn).getName(X500Principal.CANONICAL),
                    new Principal(dn, Principal.MTLS, scopes, Long.MAX_VALUE)));
        }
    }

    /** @return the caller of that certificate subject, or {@code null} when it is not configured */
    Principal find(X500Principal subject) {
        return principals.isEmpty() ? null : principals.get(subject.getName(X500Principal.CANONICAL));
    }
}
