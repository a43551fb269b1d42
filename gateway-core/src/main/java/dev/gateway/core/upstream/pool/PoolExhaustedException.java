package dev.gateway.core.upstream.pool;

/** Every connection to the endpoint is busy and the wait queue is full. Stackless: it sheds load. */
public final class PoolExhaustedException extends RuntimeException {
    static final PoolExhaustedException INSTANCE = new PoolExhaustedException();

    private PoolExhaustedException() {
        super("upstream connection pool exhausted", null, false, false);
    }
}
