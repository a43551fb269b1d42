package dev.gateway.core.exchange;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every client connection shares: the shutdown phase, the count of exchanges in flight and the
 * count of open client connections.
 */
public final class ServerState {
    private final LongAdder inFlight = new LongAdder();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean draining;
    private volatile boolean refusingRequests;
    private volatile boolean warming;

    /** {@code /readyz} answers 503 from now on. */
    public void startDraining() {
        draining = true;
    }

    /** New requests on open connections get 503 {@code DRAINING} with {@code Connection: close}. */
    public void refuseRequests() {
        draining = true;
        refusingRequests = true;
    }

    /** {@code /readyz} answers 503 until {@link #warmed()}: the hot path is not compiled yet. */
    public void startWarming() {
        warming = true;
    }

    public void warmed() {
        warming = false;
    }

    public boolean warming() {
        return warming;
    }

    public boolean draining() {
        return draining;
    }

    public boolean refusingRequests() {
        return refusingRequests;
    }

    public long inFlight() {
        return inFlight.sum();
    }

    /** Open client connections. */
    public int connections() {
        return connections.get();
    }

    /** Counts a new client connection, unless {@code max} are open already. */
    public boolean tryOpenConnection(int max) {
        if (connections.incrementAndGet() > max) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    public void connectionClosed() {
        connections.decrementAndGet();
    }

    void exchangeStarted() {
        inFlight.increment();
    }

    void exchangeEnded() {
        inFlight.decrement();
    }
}
