package dev.gateway.core.contract;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/** One operation of the OpenAPI contract: a method on a path template. */
public record Operation(String id, HttpMethod method, String pathTemplate, List<String> requiredScopes) {
    public Operation {
        requiredScopes = List.copyOf(requiredScopes);
    }
}
