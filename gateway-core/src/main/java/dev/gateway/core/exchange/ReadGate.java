package dev.gateway.core.exchange;

import io.netty.channel.Channel;

/**
 * Who has paused reading from the client, and why. Several parties pause for their own reasons (a
 * pipelined request waiting its turn, an upstream connection still being made, a full upstream
 * socket); the client is read again only when none of them holds it. Event-loop only.
 */
public final class ReadGate {
    /** A pipelined request waits until the current response is written. */
    public static final int PIPELINED = 1;
    /** The request body has nowhere to go yet: the upstream connection is being made. */
    public static final int CONNECTING = 2;
    /** The upstream socket is full; resumes on its writability. */
    public static final int UPSTREAM_FULL = 4;

    private final Channel channel;
    private int reasons;

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    /** @param reason one of the constants above: reading stays paused until every reason is resumed */
    public void pause(int reason) {
        reasons |= reason;
        channel.config().setAutoRead(false);
    }

    /** @param reason one or more of the constants above, or-ed: reading resumes once no reason is left */
    public void resume(int reason) {
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    /** Reads on whatever anyone asked (the connection is closing and its input is only drained). */
    public void open() {
        reasons = 0;
        channel.config().setAutoRead(true);
    }
}
