package dev.gateway.core.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.path.PathType;
import dev.gateway.codec.ErrorDetail;
import java.util.List;
import java.util.Map;

/**
 * The contract's schemas, compiled by the JSON Schema validator in the OpenAPI 3.0 dialect
 * ({@code nullable}, boolean {@code exclusiveMinimum}, formats asserted). Each schema is loaded by its
 * JSON pointer into the document, so {@code $ref}s into components resolve as they do in the file.
 */
final class ContractSchemas {
    /** The name the document goes by inside the registry; never fetched, nothing is ever fetched. */
    private static final String IRI = "https://contract.gateway.invalid/openapi.json";

    private final SchemaRegistry registry;
    private final JsonNode document;
    private final String origin;

    ContractSchemas(JsonNode document, String origin) {
        this.origin = origin;
        this.document = document;
        String json;
        try {
            json = new ObjectMapper().writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new ContractException(origin + ": " + e.getOriginalMessage());
        }
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .formatAssertionsEnabled(true)
                .pathType(PathType.JSON_POINTER)
                .build();
        this.registry = SchemaRegistry.withDialect(Dialects.getOpenApi30(), b -> b
                .schemas(Map.of(IRI, json))
                .schemaLoader(l -> l.fetchRemoteResources(false))
                .schemaRegistryConfig(config));
    }

    /** Compiles the schema at {@code pointer} now, so that a broken one stops the start, not a request. */
    Schema compile(String pointer) {
        try {
            Schema schema = registry.getSchema(SchemaLocation.of(IRI + "#" + pointer));
            schema.initializeValidators();
            return schema;
        } catch (SchemaException | IllegalArgumentException | IllegalStateException e) {
            throw new ContractException(origin + ": at " + pointer + ": " + e.getMessage());
        }
    }

    /**
     * Validates {@code value} and adds one detail per violation, up to the error body's limit.
     *
     * @param location where the value sits in the request: {@code body}, {@code query/limit} …
     */
    void validate(Schema schema, JsonNode value, String location, Violations out) {
        List<Error> errors = schema.validate(value);
        for (Error e : errors) {
            if (out.full()) {
                return;
            }
            out.add(new ErrorDetail(location + pointerOf(e), messageOf(e)));
        }
    }

    /** Where the problem is, below the value: a missing or unexpected property is named too. */
    private static String pointerOf(Error e) {
        String at = e.getInstanceLocation().toString();
        String keyword = e.getKeyword();
        if (e.getProperty() != null && ("required".equals(keyword) || "additionalProperties".equals(keyword))) {
            at = at + "/" + e.getProperty().replace("~", "~0").replace("/", "~1");
        }
        return at;
    }

    /**
     * A developer-facing message: the validator's own, without the location it puts in front (the
     * location has its own field), and plainer where the validator's wording misleads.
     */
    private String messageOf(Error e) {
        String keyword = e.getKeyword();
        JsonNode schema = e.getSchemaNode();
        if (("minimum".equals(keyword) || "maximum".equals(keyword)) && schema != null) {
            // OpenAPI 3.0's boolean exclusiveMinimum/Maximum sits beside the bound it qualifies.
            JsonNode parent = parentOf(e);
            boolean exclusive = parent != null && parent.path("minimum".equals(keyword)
                    ? "exclusiveMinimum" : "exclusiveMaximum").asBoolean(false);
            String op = "minimum".equals(keyword) ? (exclusive ? ">" : ">=") : (exclusive ? "<" : "<=");
            return "must be " + op + " " + schema.asText();
        }
        if ("format".equals(keyword) && schema != null) {
            return "must be a valid " + schema.asText();
        }
        if ("additionalProperties".equals(keyword)) {
            return "is not a property this object may have";
        }
        if ("required".equals(keyword)) {
            return "is required";
        }
        String m = e.getMessage();
        String at = e.getInstanceLocation().toString();
        if (!at.isEmpty() && m.startsWith(at + ": ")) {
            m = m.substring(at.length() + 2);
        } else if (m.startsWith(": ")) {
            m = m.substring(2);
        }
        return m;
    }

    /** The schema object holding the keyword that failed, found in the document by its location. */
    private JsonNode parentOf(Error e) {
        if (e.getSchemaLocation() == null || e.getSchemaLocation().getFragment() == null) {
            return null;
        }
        String keywordAt = e.getSchemaLocation().getFragment().toString();
        int slash = keywordAt.lastIndexOf('/');
        return slash < 0 ? null : document.at(keywordAt.substring(0, slash));
    }
}
