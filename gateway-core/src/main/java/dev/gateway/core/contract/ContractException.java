package dev.gateway.core.contract;

/** A contract file the gateway cannot serve; the message names the file, the pointer and the problem. */
public final class ContractException extends RuntimeException {
    public ContractException(String message) {
        super(message);
    }
}
