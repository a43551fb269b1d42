package dev.gateway.core.proxy;

import static dev.gateway.core.proxy.CallState.AWAITING_RESPONSE;
import static dev.gateway.core.proxy.CallState.CONNECTING;
import static dev.gateway.core.proxy.CallState.DONE;
import static dev.gateway.core.proxy.CallState.NEW;
import static dev.gateway.core.proxy.CallState.RELAYING;
import static dev.gateway.core.proxy.CallState.RELAYING_EARLY;
import static dev.gateway.core.proxy.CallState.SENDING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The table of moves of {@link CallState}, whole: what it allows and, by the same token, what it refuses. */
class CallStateTest {
    private static final Map<CallState, Set<CallState>> ALLOWED = Map.of(
            NEW, EnumSet.of(CONNECTING),
            CONNECTING, EnumSet.of(CONNECTING, SENDING, DONE),
            SENDING, EnumSet.of(AWAITING_RESPONSE, RELAYING_EARLY, DONE),
            AWAITING_RESPONSE, EnumSet.of(CONNECTING, RELAYING, DONE),
            RELAYING_EARLY, EnumSet.of(RELAYING, DONE),
            RELAYING, EnumSet.of(DONE),
            DONE, EnumSet.noneOf(CallState.class));

    @Test
    void everyMoveIsAllowedOrRefusedAsTheTableSays() {
        for (CallState from : CallState.values()) {
            for (CallState to : CallState.values()) {
                assertEquals(ALLOWED.get(from).contains(to), from.canMoveTo(to), from + " → " + to);
            }
        }
    }

    @Test
    void aResponseHasStartedOnlyWhileRelaying() {
        for (CallState s : CallState.values()) {
            assertEquals(s == RELAYING || s == RELAYING_EARLY, s.responseStarted(), s.name());
        }
    }
}
