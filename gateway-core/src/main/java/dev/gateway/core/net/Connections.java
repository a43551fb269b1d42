package dev.gateway.core.net;

import io.netty.channel.Channel;
import io.netty.channel.ServerChannel;

/** Which client connection a channel belongs to. */
public final class Connections {
    private Connections() {
    }

    /**
     * @param ch a client connection, or one of its HTTP/2 streams (a child channel)
     * @return the connection: {@code ch} itself, or the stream's parent (a connection's own parent is the
     *     listener, which is never it)
     */
    public static Channel of(Channel ch) {
        Channel parent = ch.parent();
        return parent == null || parent instanceof ServerChannel ? ch : parent;
    }
}
