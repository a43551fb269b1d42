package dev.gateway.codec;

import java.util.Objects;

/** One violation in an error body: where ({@code body/quantity}, {@code query/limit}) and what. */
public record ErrorDetail(String location, String message) {
    public ErrorDetail {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(message, "message");
    }
}
