package dev.gateway.core.exchange;

/** A trip upstream made for an exchange, as the exchange's lifecycle sees it. */
public interface UpstreamCall {
    /**
     * The exchange ended without this call finishing (the client left, or was answered otherwise): stop,
     * record the attempt's outcome and let go of every buffer and connection. Called at most once.
     */
    void abandon();
}
