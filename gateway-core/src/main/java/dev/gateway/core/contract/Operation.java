package dev.gateway.core.contract;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * One operation of the OpenAPI contract: a method on a path template.
 *
 * @param requiredScopes its {@code x-required-scopes}: a caller must hold all of them
 * @param secured a caller must authenticate; {@code false} where the contract says {@code security: []}
 */
public record Operation(String id, HttpMethod method, String pathTemplate, List<String> requiredScopes,
        boolean secured) {
    public Operation {
        requiredScopes = List.copyOf(requiredScopes);
    }

    /** Reads change nothing: their rate is counted apart from writes. */
    public boolean isRead() {
        return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    }
}
