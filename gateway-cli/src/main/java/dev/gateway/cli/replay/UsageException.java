package dev.gateway.cli.replay;

/** Arguments the replay cannot run with: exit status 2, the message and the usage on stderr. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
