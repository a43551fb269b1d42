package dev.gateway.core.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Refuses a contract whose schemas the validator would silently misread: a {@code $ref} that points
 * nowhere, or a keyword OpenAPI 3.0 does not have (a typo such as {@code maxLenght} would otherwise
 * drop a constraint without a word). Errors name the JSON pointer of the problem.
 */
final class SchemaLint {
    /** The schema object keywords of OpenAPI 3.0.3 (§4.7.24); {@code x-} extensions are allowed too. */
    private static final Set<String> KEYWORDS = Set.of(
            "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
            "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties",
            "required", "enum", "type", "allOf", "oneOf", "anyOf", "not", "items", "properties",
            "additionalProperties", "description", "format", "default", "nullable", "discriminator", "readOnly",
            "writeOnly", "xml", "externalDocs", "example", "deprecated", "$ref");

    private final JsonNode document;
    private final String origin;

    private SchemaLint(JsonNode document, String origin) {
        this.document = document;
        this.origin = origin;
    }

    /** Checks every {@code $ref} of the document, and every schema under a {@code schema} key or in components. */
    static void check(JsonNode document, String origin) {
        SchemaLint lint = new SchemaLint(document, origin);
        lint.refs(document, "");
        JsonNode schemas = document.path("components").path("schemas");
        for (Iterator<Map.Entry<String, JsonNode>> it = schemas.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            lint.schema(e.getValue(), "/components/schemas/" + Contract.pointerEscape(e.getKey()));
        }
        lint.schemasUnder(document.path("paths"), "/paths");
        lint.schemasUnder(document.path("components").path("parameters"), "/components/parameters");
        lint.schemasUnder(document.path("components").path("responses"), "/components/responses");
        lint.schemasUnder(document.path("components").path("requestBodies"), "/components/requestBodies");
    }

    private void refs(JsonNode node, String pointer) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                if (!ref.isTextual() || !ref.asText().startsWith("#/")) {
                    throw error(pointer + "/$ref", "only references inside this document (#/...) are supported, got "
                            + ref);
                }
                if (resolve(ref.asText()).isMissingNode()) {
                    throw error(pointer + "/$ref", "'" + ref.asText() + "' points to nothing");
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                refs(e.getValue(), pointer + "/" + Contract.pointerEscape(e.getKey()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                refs(node.get(i), pointer + "/" + i);
            }
        }
    }

    /** Finds the {@code schema} objects below operations, parameters, media types and headers. */
    private void schemasUnder(JsonNode node, String pointer) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = pointer + "/" + Contract.pointerEscape(e.getKey());
                if (e.getKey().equals("schema")) {
                    schema(e.getValue(), p);
                } else if (!e.getKey().equals("example") && !e.getKey().equals("examples")) {
                    schemasUnder(e.getValue(), p);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                schemasUnder(node.get(i), pointer + "/" + i);
            }
        }
    }

    private void schema(JsonNode schema, String pointer) {
        if (!schema.isObject()) {
            throw error(pointer, "a schema must be an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String p = pointer + "/" + Contract.pointerEscape(key);
            if (!KEYWORDS.contains(key) && !key.startsWith("x-")) {
                throw error(p, "'" + key + "' is not an OpenAPI 3.0 schema keyword");
            }
            JsonNode v = e.getValue();
            switch (key) {
                case "properties":
                    for (Iterator<Map.Entry<String, JsonNode>> ps = v.fields(); ps.hasNext(); ) {
                        Map.Entry<String, JsonNode> prop = ps.next();
                        schema(prop.getValue(), p + "/" + Contract.pointerEscape(prop.getKey()));
                    }
                    break;
                case "items":
                case "not":
                    schema(v, p);
                    break;
                case "additionalProperties":
                    if (!v.isBoolean()) {
                        schema(v, p);
                    }
                    break;
                case "allOf":
                case "oneOf":
                case "anyOf":
                    for (int i = 0; i < v.size(); i++) {
                        schema(v.get(i), p + "/" + i);
                    }
                    break;
                case "pattern":
                    try {
                        java.util.regex.Pattern.compile(v.asText());
                    } catch (java.util.regex.PatternSyntaxException ex) {
                        throw error(p, "not a valid regular expression: " + ex.getDescription());
                    }
                    break;
                default:
                    break;
            }
        }
    }

    private JsonNode resolve(String ref) {
        return document.at(ref.substring(1));
    }

    private ContractException error(String pointer, String problem) {
        return new ContractException(origin + ": at " + pointer + ": " + problem);
    }
}
