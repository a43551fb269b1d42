package dev.gateway.core.pipeline;

import java.util.concurrent.atomic.LongAdder;

/** What every client connection shares: the shutdown phase and the count of exchanges in flight. */
public final class ServerState {
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean draining;
    private volatile boolean refusingRequests;

    /** {@code /readyz} answers 503 from now on. */
    public void startDraining() {
        draining = true;
    }

    /** New requests on open connections get 503 {@code DRAINING} with {@code Connection: close}. */
    public void refuseRequests() {
        draining = true;
        refusingRequests = true;
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

    void exchangeStarted() {
        inFlight.increment();
    }

    void exchangeEnded() {
        inFlight.decrement();
    }
}
