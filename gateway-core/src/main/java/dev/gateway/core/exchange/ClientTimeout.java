package dev.gateway.core.exchange;

/**
 * User events fired by {@link ConnectionTimeouts} when a client is too slow. A handler that meets one
 * before any exchange exists (the protocol is not chosen yet) closes the connection: no one is owed an answer.
 */
public enum ClientTimeout {
    /** A request started but its headers did not complete in time: 408. */
    HEADERS,
    /** The request body paused for too long: 408. */
    BODY,
    /** The connection sat idle between requests: close quietly. */
    KEEP_ALIVE
}
