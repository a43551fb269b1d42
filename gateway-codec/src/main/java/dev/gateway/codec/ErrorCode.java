package dev.gateway.codec;

import io.netty.handler.codec.http.HttpResponseStatus;

/** The errors the gateway itself produces, with the status and stable code of the legacy contract. */
public enum ErrorCode {
    MALFORMED_BODY(HttpResponseStatus.BAD_REQUEST, "request body is not valid JSON"),
    VALIDATION_FAILED(HttpResponseStatus.BAD_REQUEST, "request does not match the contract"),
    UNAUTHENTICATED(HttpResponseStatus.UNAUTHORIZED, "missing or invalid credentials"),
    FORBIDDEN(HttpResponseStatus.FORBIDDEN, "credentials lack a required scope"),
    NOT_FOUND(HttpResponseStatus.NOT_FOUND, "no such path"),
    METHOD_NOT_ALLOWED(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed on this path"),
    REQUEST_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "request not received in time"),
    PAYLOAD_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body is too large"),
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line is too long"),
    UNSUPPORTED_MEDIA_TYPE(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported content type"),
    RATE_LIMITED(HttpResponseStatus.TOO_MANY_REQUESTS, "rate limit exceeded"),
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers are too large"),
    INTERNAL(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error"),
    BAD_GATEWAY(HttpResponseStatus.BAD_GATEWAY, "upstream failed"),
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream unavailable"),
    DRAINING(HttpResponseStatus.SERVICE_UNAVAILABLE, "gateway is shutting down"),
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream did not answer in time");

    private final HttpResponseStatus status;
    private final String defaultMessage;

    ErrorCode(HttpResponseStatus status, String defaultMessage) {
        this.status = status;
        this.defaultMessage = defaultMessage;
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String defaultMessage() {
        return defaultMessage;
    }
}
