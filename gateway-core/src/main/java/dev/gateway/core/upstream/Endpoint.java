package dev.gateway.core.upstream;

import io.netty.util.AsciiString;
import java.net.InetSocketAddress;

/** One address of an upstream service. */
public final class Endpoint {
    private final String upstream;
    private final InetSocketAddress address;
    private final AsciiString hostHeader;
    private volatile boolean reachable;

    public Endpoint(String upstream, String host, int port) {
        this.upstream = upstream;
        this.address = new InetSocketAddress(host, port);
        this.hostHeader = AsciiString.cached(host + ":" + port);
    }

    public String upstream() {
        return upstream;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** What the gateway sends as {@code Host}: the upstream's own host:port. */
    public AsciiString hostHeader() {
        return hostHeader;
    }

    /** Whether the last health probe reached it. */
    public boolean reachable() {
        return reachable;
    }

    void reachable(boolean reachable) {
        this.reachable = reachable;
    }

    @Override
    public String toString() {
        return upstream + "@" + hostHeader;
    }
}
