package dev.gateway.core.auth;

import java.util.List;
import java.util.Set;

/** An authenticated caller, as the upstream hears of it and as its rate is counted. */
public final class Principal {
    /** {@code X-Auth-Method} values. */
    public static final String JWT = "jwt";
    public static final String API_KEY = "apikey";
    /** A verified TLS client certificate (RFC 8446 section 4.4.2) whose subject is configured. */
    public static final String MTLS = "mtls";

    private final String subject;
    private final String method;
    private final Set<String> scopes;
    private final String scopeHeader;
    private final String callerKey;
    private final long notAfterMillis;

    Principal(String subject, String method, List<String> scopes, long notAfterMillis) {
        this.subject = subject;
        this.method = method;
        this.scopes = Set.copyOf(scopes);
        this.scopeHeader = String.join(" ", scopes);
        // A JWT subject, an API key name and a certificate subject may be spelled alike; they are different callers.
        this.callerKey = switch (method) {
            case JWT -> "j:";
            case MTLS -> "c:";
            default -> "k:";
        } + subject;
        this.notAfterMillis = notAfterMillis;
    }

    /**
     * The JWT's {@code sub}, the API key's configured name, or the certificate's subject distinguished name
     * (RFC 4514 string form).
     */
    public String subject() {
        return subject;
    }

    /** {@link #JWT}, {@link #API_KEY} or {@link #MTLS}. */
    public String method() {
        return method;
    }

    /** The scopes, space-separated, as {@code X-Auth-Scopes} carries them. */
    public String scopeHeader() {
        return scopeHeader;
    }

    /**
     * Whom a rate limit counts: one caller per subject and credential kind ({@code j:} a JWT subject,
     * {@code k:} an API key name, {@code c:} a certificate subject).
     */
    public String callerKey() {
        return callerKey;
    }

    /** @return the first of {@code required} this caller lacks, or {@code null} when it holds all */
    public String missingScope(List<String> required) {
        for (int i = 0; i < required.size(); i++) {
            if (!scopes.contains(required.get(i))) {
                return required.get(i);
            }
        }
        return null;
    }

    /** Whether this caller holds {@code scope}. */
    public boolean holds(String scope) {
        return scopes.contains(scope);
    }

    /** Epoch milliseconds after which the credential no longer holds (a token's exp plus the skew). */
    long notAfterMillis() {
        return notAfterMillis;
    }
}
