package dev.gateway.core.auth;

/**
 * Why a request is not authenticated. Thrown on every refused credential, so it carries no stack trace:
 * a flood of bad tokens must not also be a flood of stack walks.
 */
public final class Unauthenticated extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean tokenGiven;

    Unauthenticated(String message, boolean tokenGiven) {
        super(message, null, false, false);
        this.tokenGiven = tokenGiven;
    }

    /** A bearer token was sent (and refused): the challenge then says {@code error="invalid_token"}. */
    public boolean tokenGiven() {
        return tokenGiven;
    }
}
