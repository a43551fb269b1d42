package dev.gateway.core.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import dev.gateway.codec.ErrorDetail;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the contract asks of one operation's requests, compiled once at start: its parameters (path,
 * query, header), the media types its body may have, how large the body may be, and the JSON schema
 * of the body when it has one. Immutable and shared by every event loop.
 */
public final class RequestRules {
    private final String operationId;
    private final ParameterRule[] pathParams; // indexed by path segment; null where the segment is literal
    private final List<ParameterRule> query;
    private final Map<String, ParameterRule> queryByName;
    private final List<ParameterRule> headers;
    private final List<String> mediaTypes;
    private final boolean bodyRequired;
    private final Schema jsonBody;
    private final long maxBodyBytes;
    private final ContractSchemas schemas;

    private RequestRules(ContractSchemas schemas, String operationId, ParameterRule[] pathParams, List<ParameterRule> query,
            List<ParameterRule> headers, List<String> mediaTypes, boolean bodyRequired, Schema jsonBody,
            long maxBodyBytes) {
        this.schemas = schemas;
        this.operationId = operationId;
        this.pathParams = pathParams;
        this.query = List.copyOf(query);
        this.queryByName = new LinkedHashMap<>();
        for (ParameterRule p : query) {
            queryByName.put(p.name, p);
        }
        this.headers = List.copyOf(headers);
        this.mediaTypes = List.copyOf(mediaTypes);
        this.bodyRequired = bodyRequired;
        this.jsonBody = jsonBody;
        this.maxBodyBytes = maxBodyBytes;
    }

    public String operationId() {
        return operationId;
    }

    /** The body is JSON with a schema: it is held until complete and validated before it is forwarded. */
    public boolean validatesJsonBody() {
        return jsonBody != null;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    public boolean bodyRequired() {
        return bodyRequired;
    }

    /** The operation declares a request body (so a {@code Content-Type} is checked). */
    public boolean takesBody() {
        return !mediaTypes.isEmpty();
    }

    /**
     * Whether a body of this {@code Content-Type} is accepted. Parameters are allowed, but a JSON body
     * must be UTF-8 (the only charset JSON has, RFC 8259).
     */
    public boolean accepts(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        if (!mediaTypes.contains(type)) {
            return false;
        }
        if (semi >= 0 && isJson(type)) {
            for (String param : contentType.substring(semi + 1).split(";")) {
                int eq = param.indexOf('=');
                if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("charset")) {
                    String cs = param.substring(eq + 1).trim().replace("\"", "");
                    if (!cs.equalsIgnoreCase("utf-8") && !cs.equalsIgnoreCase("utf8")) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** The media types the operation takes, for the 415 message. */
    public List<String> mediaTypes() {
        return mediaTypes;
    }

    /**
     * Checks the path, query and header parameters.
     *
     * @param path the normalised path, already matched to this operation's template
     * @param rawQuery the query as sent, or {@code null}
     * @return the violations, empty (and not allocated) when there are none
     */
    public List<ErrorDetail> checkParameters(String path, String rawQuery, HttpHeaders requestHeaders) {
        Violations out = new Violations();
        if (pathParams.length > 0) {
            checkPath(path, out);
        }
        if (rawQuery != null && !rawQuery.isEmpty()) {
            checkQuery(rawQuery, out);
        } else {
            for (ParameterRule p : query) {
                if (p.required) {
                    out.add(p.location, "is required");
                }
            }
        }
        for (ParameterRule p : headers) {
            String v = requestHeaders.get(p.name);
            if (v == null) {
                if (p.required) {
                    out.add(p.location, "is required");
                }
            } else {
                p.check(v, out);
            }
        }
        return out.list();
    }

    /** Checks a parsed JSON body; {@code null} stands for an empty body. */
    public List<ErrorDetail> checkBody(JsonNode body) {
        Violations out = new Violations();
        if (body == null) {
            if (bodyRequired) {
                out.add("body", "a request body is required");
            }
            return out.list();
        }
        schemas.validate(jsonBody, body, "body", out);
        return out.list();
    }

    private void checkPath(String path, Violations out) {
        int segment = 0;
        int from = 1;
        while (from <= path.length() && segment < pathParams.length) {
            int slash = path.indexOf('/', from);
            int end = slash < 0 ? path.length() : slash;
            ParameterRule p = pathParams[segment];
            if (p != null) {
                String raw = path.substring(from, end);
                String value;
                try {
                    value = QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    out.add(p.location, "is not valid percent-encoding");
                    value = null;
                }
                if (value != null) {
                    p.check(value, out);
                }
            }
            segment++;
            from = end + 1;
        }
    }

    private void checkQuery(String rawQuery, Violations out) {
        Map<String, List<String>> params;
        try {
            params = new QueryStringDecoder(rawQuery, StandardCharsets.UTF_8, false, 256).parameters();
        } catch (IllegalArgumentException e) {
            out.add("query", "is not valid percent-encoding");
            return;
        }
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            ParameterRule p = queryByName.get(e.getKey());
            if (p == null) {
                out.add("query/" + e.getKey(), "is not a parameter of this operation");
            } else if (e.getValue().size() > 1) {
                out.add(p.location, "must be given once");
            } else {
                p.check(e.getValue().get(0), out);
            }
        }
        for (ParameterRule p : query) {
            if (p.required && !params.containsKey(p.name)) {
                out.add(p.location, "is required");
            }
        }
    }

    static boolean isJson(String mediaType) {
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

    /**
     * Compiles one operation.
     *
     * @param pointer the operation's JSON pointer ({@code /paths/~1v1~1trades/post})
     * @param maxBodyBytes the body limit that applies to it
     */
    static RequestRules compile(JsonNode document, ContractSchemas schemas, Operation operation, String pointer,
            long maxBodyBytes) {
        JsonNode opNode = document.at(pointer);
        String pathPointer = pointer.substring(0, pointer.lastIndexOf('/'));
        JsonNode pathItem = document.at(pathPointer);

        // Path-level parameters, overridden by operation-level ones of the same name and place.
        Map<String, ParameterRule> params = new LinkedHashMap<>();
        addParameters(document, schemas, pathItem.path("parameters"), pathPointer + "/parameters", params);
        addParameters(document, schemas, opNode.path("parameters"), pointer + "/parameters", params);

        List<String> segments = segments(operation.pathTemplate());
        ParameterRule[] pathParams = new ParameterRule[0];
        List<ParameterRule> query = new ArrayList<>();
        List<ParameterRule> headers = new ArrayList<>();
        for (ParameterRule p : params.values()) {
            switch (p.in) {
                case "path":
                    int index = segments.indexOf("{" + p.name + "}");
                    if (index < 0) {
                        throw new ContractException("path parameter '" + p.name + "' of " + operation.id()
                                + " is not in its path " + operation.pathTemplate());
                    }
                    if (pathParams.length <= index) {
                        pathParams = java.util.Arrays.copyOf(pathParams, index + 1);
                    }
                    pathParams[index] = p;
                    break;
                case "query":
                    query.add(p);
                    break;
                case "header":
                    headers.add(p);
                    break;
                default:
                    break; // cookie parameters: the contract has none, and the gateway ignores cookies
            }
        }

        List<String> mediaTypes = new ArrayList<>();
        boolean bodyRequired = false;
        Schema jsonBody = null;
        JsonNode body = opNode.get("requestBody");
        if (body != null) {
            String bodyPointer = pointer + "/requestBody";
            if (body.has("$ref")) {
                bodyPointer = body.get("$ref").asText().substring(1);
                body = document.at(bodyPointer);
            }
            bodyRequired = body.path("required").asBoolean(false);
            for (Iterator<Map.Entry<String, JsonNode>> it = body.path("content").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> mt = it.next();
                String type = mt.getKey().toLowerCase(Locale.ROOT);
                mediaTypes.add(type);
                if (isJson(type) && mt.getValue().has("schema") && jsonBody == null) {
                    jsonBody = schemas.compile(bodyPointer + "/content/" + Contract.pointerEscape(mt.getKey())
                            + "/schema");
                }
            }
        }
        return new RequestRules(schemas, operation.id(), pathParams, query, headers, mediaTypes, bodyRequired, jsonBody,
                maxBodyBytes);
    }

    private static void addParameters(JsonNode document, ContractSchemas schemas, JsonNode list, String pointer,
            Map<String, ParameterRule> out) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            String at = pointer + "/" + i;
            if (p.has("$ref")) {
                at = p.get("$ref").asText().substring(1);
                p = document.at(at);
            }
            String name = p.path("name").asText();
            String in = p.path("in").asText();
            boolean required = p.path("required").asBoolean(false) || in.equals("path");
            JsonNode schema = p.path("schema");
            ParameterRule.Kind kind = kindOf(document, schema);
            // Header names are case-insensitive: the key folds them, the location keeps the contract's.
            String key = in + ":" + (in.equals("header") ? name.toLowerCase(Locale.ROOT) : name);
            out.put(key, new ParameterRule(name, in, required, kind,
                    schema.isMissingNode() ? null : schemas.compile(at + "/schema"), schemas));
        }
    }

    private static ParameterRule.Kind kindOf(JsonNode document, JsonNode schema) {
        for (int hops = 0; hops < 16 && schema.has("$ref"); hops++) {
            schema = document.at(schema.get("$ref").asText().substring(1));
        }
        switch (schema.path("type").asText("string")) {
            case "integer":
                return ParameterRule.Kind.INTEGER;
            case "number":
                return ParameterRule.Kind.NUMBER;
            case "boolean":
                return ParameterRule.Kind.BOOLEAN;
            default:
                return ParameterRule.Kind.STRING;
        }
    }

    private static List<String> segments(String template) {
        List<String> out = new ArrayList<>();
        for (String s : template.substring(1).split("/", -1)) {
            out.add(s);
        }
        return out;
    }
}
