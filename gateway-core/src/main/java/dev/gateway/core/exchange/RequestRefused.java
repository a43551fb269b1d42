package dev.gateway.core.exchange;

import dev.gateway.codec.ErrorCode;

/**
 * A user event: the request turned out to be unacceptable while its body was already streaming
 * upstream (a chunked body over its limit). The proxy cuts the upstream request and answers with this
 * error, or cuts the client if the response has begun.
 *
 * @param code the error to answer with
 * @param message its message
 */
public record RequestRefused(ErrorCode code, String message) {
}
