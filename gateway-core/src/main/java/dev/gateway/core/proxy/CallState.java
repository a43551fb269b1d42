package dev.gateway.core.proxy;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a {@link ProxyCall} is on its trip upstream. Every change goes through {@link ProxyCall#moveTo},
 * which refuses a change this table does not list, so a call can never, say, relay a second response or
 * send after it is done.
 *
 * <p>The happy path is {@code NEW → CONNECTING → SENDING → AWAITING_RESPONSE → RELAYING → DONE}; the
 * table in the static block below lists every other move (retries back to {@code CONNECTING}, the early
 * answer, and {@code DONE} from anywhere once started).
 *
 * <p>Whether the whole request went upstream is part of the state, not a flag beside it: an upstream may
 * answer while the body is still being sent (an early answer; RFC 9112 §9.5 has the client watch for
 * one), and such an exchange leaves its connection unfit for reuse.
 */
enum CallState {
    /** Made, not started. */
    NEW,
    /** An attempt waits for a pooled connection (an idle one is most often handed over at once). */
    CONNECTING,
    /** The head is written; body parts are still on their way from the client. */
    SENDING,
    /** The whole request is written; no final response head yet. */
    AWAITING_RESPONSE,
    /**
     * A final response head came while the request was still being sent: the answer is relayed, what
     * is left of the body is dropped, and the connection is closed at the end instead of pooled.
     */
    RELAYING_EARLY,
    /** The whole request was sent and the response is being relayed to the client. */
    RELAYING,
    /** Over: answered, failed, or abandoned; nothing more is done and every late message is released. */
    DONE;

    private Set<CallState> next;

    static {
        NEW.next = EnumSet.of(CONNECTING);
        // CONNECTING → CONNECTING: the acquire failed and the call tries another endpoint.
        CONNECTING.next = EnumSet.of(CONNECTING, SENDING, DONE);
        SENDING.next = EnumSet.of(AWAITING_RESPONSE, RELAYING_EARLY, DONE);
        // AWAITING_RESPONSE → CONNECTING: a reused connection closed without a byte back; a body-less
        // request is sent again on a new one.
        AWAITING_RESPONSE.next = EnumSet.of(CONNECTING, RELAYING, DONE);
        // RELAYING_EARLY → RELAYING: the last part of the request was written after the head came after
        // all (the client's exchange had already read it), so the connection is clean again.
        RELAYING_EARLY.next = EnumSet.of(RELAYING, DONE);
        RELAYING.next = EnumSet.of(DONE);
        DONE.next = EnumSet.noneOf(CallState.class);
    }

    /** Whether the table allows moving from this state to {@code to}. */
    boolean canMoveTo(CallState to) {
        return next.contains(to);
    }

    /** A response head was accepted: the client's answer is this call's to finish (or cut). */
    boolean responseStarted() {
        return this == RELAYING || this == RELAYING_EARLY;
    }
}
