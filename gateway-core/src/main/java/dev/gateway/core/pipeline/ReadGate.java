package dev.gateway.core.pipeline;

import io.netty.channel.Channel;

/**
 * Who has paused reading from the client, and why. Several parties pause for their own reasons (a
 * pipelined request waiting its turn, an upstream connection still being made, a full upstream
 * socket); the client is read again only when none of them holds it. Event-loop only.
 */
final class ReadGate {
    /** A pipelined request waits until the current response is written. */
    static final int PIPELINED = 1;
    /** The request body has nowhere to go yet: the upstream connection is being made. */
    static final int CONNECTING = 2;
    /** The upstream socket is full; resumes on its writability. */
    static final int UPSTREAM_FULL = 4;

    private final Channel channel;
    private int reasons;

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    void pause(int reason) {
        reasons |= reason;
        channel.config().setAutoRead(false);
    }

    void resume(int reason) {
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    /** Reads on whatever anyone asked (the connection is closing and its input is only drained). */
    void open() {
        reasons = 0;
        channel.config().setAutoRead(true);
    }
}
