package dev.gateway.codec;

/** A request target the gateway refuses to route. Stackless: it is thrown for hostile input, often. */
public final class InvalidRequestTargetException extends IllegalArgumentException {
    public InvalidRequestTargetException(String reason) {
        super(reason);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
