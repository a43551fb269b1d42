package dev.gateway.core.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import dev.gateway.codec.ErrorDetail;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON response schemas of one operation, by status ({@code default} covers the rest), compiled
 * only for operations whose responses are checked.
 */
public final class ResponseRules {
    private final Map<Integer, Schema> byStatus;
    private final Schema fallback;
    private final ContractSchemas schemas;

    private ResponseRules(Map<Integer, Schema> byStatus, Schema fallback, ContractSchemas schemas) {
        this.byStatus = Map.copyOf(byStatus);
        this.fallback = fallback;
        this.schemas = schemas;
    }

    /** Whether a JSON response of this status has a schema to be checked against. */
    public boolean covers(int status) {
        return byStatus.containsKey(status) || fallback != null;
    }

    /** @return the violations, empty when the body matches (or nothing covers the status) */
    public List<ErrorDetail> check(int status, JsonNode body) {
        Schema schema = byStatus.getOrDefault(status, fallback);
        Violations out = new Violations();
        if (schema != null) {
            schemas.validate(schema, body == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                    : body, "body", out);
        }
        return out.list();
    }

    static ResponseRules compile(JsonNode document, ContractSchemas schemas, String pointer) {
        Map<Integer, Schema> byStatus = new HashMap<>();
        Schema fallback = null;
        JsonNode responses = document.at(pointer).path("responses");
        for (Iterator<Map.Entry<String, JsonNode>> it = responses.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = pointer + "/responses/" + e.getKey();
            JsonNode response = e.getValue();
            if (response.has("$ref")) {
                at = response.get("$ref").asText().substring(1);
                response = document.at(at);
            }
            JsonNode json = response.path("content").path("application/json");
            if (!json.has("schema")) {
                continue;
            }
            Schema schema = schemas.compile(at + "/content/application~1json/schema");
            if (e.getKey().equals("default")) {
                fallback = schema;
            } else if (e.getKey().matches("[1-5][0-9][0-9]")) {
                byStatus.put(Integer.parseInt(e.getKey()), schema);
            }
        }
        return new ResponseRules(byStatus, fallback, schemas);
    }
}
