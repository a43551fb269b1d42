package dev.gateway.core.auth;

import java.util.List;
import java.util.Set;

/** An authenticated caller, as the upstream hears of it and as its rate is counted. */
public final class Principal {
    /** {@code X-Auth-Method} values. */
    public static final String JWT = "jwt";
    public static final String API_KEY = "apikey";

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
        // A JWT subject and an API key name may be spelled alike; they are different callers.
        this.callerKey = (method.equals(JWT) ? "j:" : "k:") + subject;
        this.notAfterMillis = notAfterMillis;
    }

    /** The JWT's {@code sub}, or the API key's configured name. */
    public String subject() {
        return subject;
    }

    /** {@link #JWT} or {@link #API_KEY}. */
    public String method() {
        return method;
    }

    /** The scopes, space-separated, as {@code X-Auth-Scopes} carries them. */
    public String scopeHeader() {
        return scopeHeader;
    }

    /** Whom a rate limit counts: one caller per subject and credential kind. */
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
