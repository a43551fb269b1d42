package dev.gateway.core.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/** The OpenAPI document the gateway serves, read once at start. */
public final class Contract {
    /** The contract inside the jar, byte for byte {@code openapi/trade-task.yaml}. */
    public static final String BUNDLED = "openapi/trade-task.yaml";

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String origin;
    private final JsonNode document;
    private final List<Operation> operations;
    /** operationId → the operation's JSON pointer in the document. */
    private final Map<String, String> pointers;

    private Contract(String origin, JsonNode document, List<Operation> operations, Map<String, String> pointers) {
        this.origin = origin;
        this.document = document;
        this.operations = List.copyOf(operations);
        this.pointers = Map.copyOf(pointers);
    }

    public static Contract bundled() {
        try (InputStream in = Contract.class.getClassLoader().getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new ContractException(BUNDLED + " is missing from the class path");
            }
            return parse(in.readAllBytes(), "bundled " + BUNDLED);
        } catch (IOException e) {
            throw new ContractException("cannot read bundled " + BUNDLED + ": " + e.getMessage());
        }
    }

    public static Contract load(Path file) {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new ContractException("cannot read contract " + file + ": " + e.getMessage());
        }
    }

    static Contract parse(byte[] yaml, String origin) {
        JsonNode doc;
        try {
            doc = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ContractException(origin + ": not valid YAML: " + e.getMessage());
        }
        JsonNode paths = doc == null ? null : doc.get("paths");
        if (paths == null || !paths.isObject()) {
            throw new ContractException(origin + ": no 'paths' object at /paths");
        }
        List<String> globalScopes = List.of();
        // As OpenAPI has it: no security anywhere means none; the gateway warns at start of every open operation.
        boolean securedByDefault = requiresSomething(doc.get("security"), false);
        SchemaLint.check(doc, origin);
        List<Operation> operations = new ArrayList<>();
        Map<String, String> pointers = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            String template = path.getKey();
            if (!template.startsWith("/")) {
                throw new ContractException(origin + ": path at /paths/" + pointerEscape(template)
                        + " does not start with '/'");
            }
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!METHODS.contains(op.getKey())) {
                    continue; // parameters, summary, servers …
                }
                String pointer = "/paths/" + pointerEscape(template) + "/" + op.getKey();
                JsonNode id = op.getValue().get("operationId");
                if (id == null || !id.isTextual()) {
                    throw new ContractException(origin + ": operation at " + pointer + " has no operationId");
                }
                if (!ids.add(id.asText())) {
                    throw new ContractException(origin + ": duplicate operationId '" + id.asText() + "' at " + pointer);
                }
                List<String> scopes = new ArrayList<>(globalScopes);
                JsonNode required = op.getValue().get("x-required-scopes");
                if (required != null) {
                    scopes.clear();
                    required.forEach(s -> scopes.add(s.asText()));
                }
                pointers.put(id.asText(), pointer);
                operations.add(new Operation(id.asText(),
                        HttpMethod.valueOf(op.getKey().toUpperCase(Locale.ROOT)), template, scopes,
                        requiresSomething(op.getValue().get("security"), securedByDefault)));
            }
        }
        return new Contract(origin, doc, operations, pointers);
    }

    /**
     * Whether a {@code security} list asks for credentials: absent means the inherited answer; {@code []},
     * or an alternative with no scheme ({@code - {}}), means anyone may call.
     */
    private static boolean requiresSomething(JsonNode security, boolean inherited) {
        if (security == null || security.isNull()) {
            return inherited;
        }
        if (security.isEmpty()) {
            return false;
        }
        for (JsonNode alternative : security) {
            if (alternative.isObject() && alternative.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Compiles every operation's request rules (parameters, media types, body schema). A schema the
     * validator cannot load stops the start with the file, the pointer and the problem.
     *
     * @param maxBodyBytes the body limit of each operation
     */
    public Map<String, RequestRules> compileRequestRules(ToLongFunction<Operation> maxBodyBytes) {
        ContractSchemas schemas = new ContractSchemas(document, origin);
        Map<String, RequestRules> out = new HashMap<>();
        for (Operation op : operations) {
            out.put(op.id(), RequestRules.compile(document, schemas, op, pointers.get(op.id()),
                    maxBodyBytes.applyAsLong(op)));
        }
        return Map.copyOf(out);
    }

    /** Compiles the response schemas of the given operations (those whose responses are checked). */
    public Map<String, ResponseRules> compileResponseRules(Set<String> operationIds) {
        if (operationIds.isEmpty()) {
            return Map.of();
        }
        ContractSchemas schemas = new ContractSchemas(document, origin);
        Map<String, ResponseRules> out = new HashMap<>();
        for (String id : operationIds) {
            out.put(id, ResponseRules.compile(document, schemas, pointers.get(id)));
        }
        return Map.copyOf(out);
    }

    /** Whether the operation's request body is JSON (the body limit for JSON applies to it). */
    public boolean takesJsonBody(Operation op) {
        JsonNode body = document.at(pointers.get(op.id())).path("requestBody");
        if (body.has("$ref")) {
            body = document.at(body.get("$ref").asText().substring(1));
        }
        for (Iterator<String> it = body.path("content").fieldNames(); it.hasNext(); ) {
            if (RequestRules.isJson(it.next().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** JSON-pointer escaping of one reference token (RFC 6901). */
    static String pointerEscape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    public String origin() {
        return origin;
    }

    public JsonNode document() {
        return document;
    }

    public List<Operation> operations() {
        return operations;
    }
}
