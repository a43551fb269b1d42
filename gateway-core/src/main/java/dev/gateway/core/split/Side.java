package dev.gateway.core.split;

/** Which stack of a split route an exchange went to. */
public enum Side {
    /** The route's own upstream: the new stack, taking callers as its weight grows. */
    CANARY,
    /** The split's stable target: the old stack, where callers stay until their bucket is below the weight. */
    STABLE;

    /** The metric label and the word of the admin API and the override header. */
    public String label() {
        return this == CANARY ? "canary" : "stable";
    }
}
