package dev.gateway.core.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.codec.InPlaceJson;
import io.netty.buffer.CompositeByteBuf;
import java.io.CharConversionException;
import java.io.IOException;

/** JSON request and response bodies read into trees for the schema validator, without copying their buffers. */
public final class JsonBodies {
    /** Binds tokens to a tree; the parser's own factory sets the limits. */
    private static final ObjectMapper TREES = new ObjectMapper(InPlaceJson.factory());

    private JsonBodies() {
    }

    /**
     * Parses a whole JSON body where it lies (no copy; see {@link InPlaceJson}): strict UTF-8 (RFC 3629),
     * no duplicate keys, depth bounded, nothing after the value (RFC 8259).
     *
     * @return the body's JSON tree, or {@code null} for an empty body
     * @throws MalformedJsonException with the message a 400 {@code MALFORMED_BODY} carries
     */
    public static JsonNode parse(CompositeByteBuf body) throws MalformedJsonException {
        if (!body.isReadable()) {
            return null;
        }
        try (JsonParser parser = InPlaceJson.parser(body)) {
            JsonNode tree = TREES.readTree(parser);
            if (parser.nextToken() != null) { // readTree stops after one value; anything after it is garbage
                throw new MalformedJsonException("unexpected content after the JSON value");
            }
            return tree;
        } catch (StreamConstraintsException c) {
            throw new MalformedJsonException("JSON nested deeper than " + InPlaceJson.MAX_DEPTH + " levels or too large");
        } catch (CharConversionException c) {
            throw new MalformedJsonException("request body is not valid UTF-8");
        } catch (com.fasterxml.jackson.core.JsonParseException p) {
            String why = p.getOriginalMessage();
            if (why != null && why.contains("UTF-8")) {
                throw new MalformedJsonException("request body is not valid UTF-8");
            }
            if (why != null && why.startsWith("Duplicate field")) {
                throw new MalformedJsonException("duplicate key in JSON object: " + why.substring("Duplicate field ".length()));
            }
            throw new MalformedJsonException("request body is not valid JSON: " + firstLine(why));
        } catch (IOException io) {
            throw new MalformedJsonException("request body is not valid JSON: " + firstLine(io.getMessage()));
        }
    }

    /** Jackson's message without the source-location boilerplate it appends. */
    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        int marker = line.indexOf(" (start marker");
        if (marker > 0) {
            line = line.substring(0, marker);
        }
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    /** A body that is not JSON, or not UTF-8: its message is what a 400 {@code MALFORMED_BODY} says. */
    public static final class MalformedJsonException extends Exception {
        MalformedJsonException(String message) {
            super(message, null, false, false);
        }
    }
}
