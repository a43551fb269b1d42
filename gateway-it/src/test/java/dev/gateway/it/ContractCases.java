package dev.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Request cases generated from the contract itself: for every operation a valid request, and for every
 * constraint of its parameters and JSON body a request that breaks just that constraint, with the
 * {@code location} the gateway must name. A change to the contract changes the cases.
 */
final class ContractCases {
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** One request: what to send, and (for a broken one) where the violation is. */
    record Case(String name, String method, String path, Map<String, String> query, Map<String, String> headers,
            String contentType, JsonNode body, String expectedLocation) {
        String target() {
            StringBuilder t = new StringBuilder(path);
            char sep = '?';
            for (Map.Entry<String, String> q : query.entrySet()) {
                t.append(sep).append(q.getKey()).append('=').append(PercentEncoding.encode(q.getValue()));
                sep = '&';
            }
            return t.toString();
        }
    }

    private final JsonNode doc;
    private final List<Case> valid = new ArrayList<>();
    private final List<Case> broken = new ArrayList<>();

    private ContractCases(JsonNode doc) {
        this.doc = doc;
    }

    static ContractCases fromBundledContract() throws IOException {
        try (InputStream in = ContractCases.class.getClassLoader().getResourceAsStream("openapi/trade-task.yaml")) {
            ContractCases cases = new ContractCases(new ObjectMapper(new YAMLFactory()).readTree(in));
            cases.generate();
            return cases;
        }
    }

    List<Case> valid() {
        return valid;
    }

    List<Case> broken() {
        return broken;
    }

    private void generate() {
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (op.getKey().equals("parameters") || op.getValue().path("security").isArray()
                        && op.getValue().path("security").isEmpty()) {
                    continue; // path-level parameters; the gateway's own health endpoints
                }
                operation(path.getKey(), path.getValue(), op.getKey().toUpperCase(), op.getValue());
            }
        }
    }

    private void operation(String template, JsonNode pathItem, String method, JsonNode op) {
        String id = op.get("operationId").asText();
        List<JsonNode> params = new ArrayList<>();
        pathItem.path("parameters").forEach(p -> params.add(deref(p)));
        op.path("parameters").forEach(p -> params.add(deref(p)));

        Map<String, String> pathValues = new LinkedHashMap<>();
        Map<String, String> query = new LinkedHashMap<>();
        Map<String, String> headers = new LinkedHashMap<>();
        for (JsonNode p : params) {
            String value = sampleOf(p.get("schema")).asText();
            switch (p.get("in").asText()) {
                case "path" -> pathValues.put(p.get("name").asText(), value);
                case "query" -> query.put(p.get("name").asText(), value);
                default -> headers.put(p.get("name").asText(), value);
            }
        }
        JsonNode content = deref(op.path("requestBody")).path("content");
        String contentType = content.fieldNames().hasNext() ? content.fieldNames().next() : null;
        JsonNode bodySchema = contentType != null && contentType.equals("application/json")
                ? content.get(contentType).get("schema") : null;
        if (contentType != null && bodySchema == null) {
            return; // a binary upload streams: nothing to validate in its body, covered elsewhere
        }
        JsonNode body = bodySchema == null ? null : sampleOf(bodySchema);
        Case base = new Case(id, method, fill(template, pathValues), query, headers, contentType, body, null);
        valid.add(base);

        for (JsonNode p : params) {
            String name = p.get("name").asText();
            String in = p.get("in").asText();
            String location = in + "/" + name;
            if (!in.equals("path") && p.path("required").asBoolean(false)) {
                broken.add(withParam(base, in, name, null, id + " " + location + " missing", location, template,
                        pathValues));
            }
            for (Map.Entry<String, String> bad : violations(deref(p.get("schema"))).entrySet()) {
                broken.add(withParam(base, in, name, bad.getValue(), id + " " + location + " " + bad.getKey(),
                        location, template, pathValues));
            }
        }
        Map<String, String> unknown = new LinkedHashMap<>(query);
        unknown.put("unexpectedParam", "1");
        broken.add(new Case(id + " query/unexpectedParam unknown", method, base.path(), unknown, headers,
                contentType, body, "query/unexpectedParam"));
        if (bodySchema != null) {
            bodyViolations(base, bodySchema, "");
        }
    }

    private Case withParam(Case base, String in, String name, String value, String caseName, String location,
            String template, Map<String, String> pathValues) {
        Map<String, String> query = new LinkedHashMap<>(base.query());
        Map<String, String> headers = new LinkedHashMap<>(base.headers());
        String path = base.path();
        switch (in) {
            case "path" -> {
                Map<String, String> values = new LinkedHashMap<>(pathValues);
                values.put(name, value);
                path = fill(template, values);
            }
            case "query" -> {
                if (value == null) {
                    query.remove(name);
                } else {
                    query.put(name, value);
                }
            }
            default -> {
                if (value == null) {
                    headers.remove(name);
                } else {
                    headers.put(name, value);
                }
            }
        }
        return new Case(caseName, base.method(), path, query, headers, base.contentType(), base.body(), location);
    }

    /**
     * Walks the body schema; for each constraint at {@code pointer}, adds a copy of the valid body with
     * just that value broken.
     */
    private void bodyViolations(Case base, JsonNode schema, String pointer) {
        schema = deref(schema);
        String location = "body" + pointer;
        for (Map.Entry<String, JsonNode> bad : violationValues(schema).entrySet()) {
            broken.add(replaced(base, pointer, bad.getValue(), base.name() + " " + location + " " + bad.getKey(),
                    location));
        }
        if (schema.has("properties")) {
            for (JsonNode req : schema.path("required")) {
                JsonNode copy = base.body().deepCopy();
                ((ObjectNode) at(copy, pointer)).remove(req.asText());
                broken.add(new Case(base.name() + " " + location + "/" + req.asText() + " required", base.method(),
                        base.path(), base.query(), base.headers(), base.contentType(), copy,
                        location + "/" + req.asText()));
            }
            if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
                JsonNode copy = base.body().deepCopy();
                ((ObjectNode) at(copy, pointer)).put("unexpectedField", 1);
                broken.add(new Case(base.name() + " " + location + "/unexpectedField additionalProperties",
                        base.method(), base.path(), base.query(), base.headers(), base.contentType(), copy,
                        location + "/unexpectedField"));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = schema.get("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> prop = it.next();
                bodyViolations(base, prop.getValue(), pointer + "/" + prop.getKey());
            }
        }
        JsonNode extra = schema.path("additionalProperties");
        if (extra.isObject()) {
            JsonNode copy = base.body().deepCopy();
            ((ObjectNode) at(copy, pointer)).set("someKey", wrongType(deref(extra)));
            broken.add(new Case(base.name() + " " + location + "/someKey type", base.method(), base.path(),
                    base.query(), base.headers(), base.contentType(), copy, location + "/someKey"));
        }
        if (schema.has("items")) {
            JsonNode items = deref(schema.get("items"));
            if (items.has("properties")) { // one element stands for all: break its constraints at index 0
                bodyViolations(base, items, pointer + "/0");
            }
        }
    }

    private Case replaced(Case base, String pointer, JsonNode bad, String name, String location) {
        JsonNode copy = base.body().deepCopy();
        if (pointer.isEmpty()) {
            copy = bad;
        } else {
            int slash = pointer.lastIndexOf('/');
            JsonNode parent = at(copy, pointer.substring(0, slash));
            String key = pointer.substring(slash + 1);
            if (parent.isArray()) {
                ((ArrayNode) parent).set(Integer.parseInt(key), bad);
            } else {
                ((ObjectNode) parent).set(key, bad);
            }
        }
        return new Case(name, base.method(), base.path(), base.query(), base.headers(), base.contentType(), copy,
                location);
    }

    /** Values that break exactly one keyword of a schema each, by keyword. */
    private Map<String, JsonNode> violationValues(JsonNode s) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        String type = s.path("type").asText("");
        if (!type.isEmpty()) {
            out.put("type", wrongType(s));
        }
        if (s.has("enum")) {
            out.put("enum", F.textNode("NOT_IN_ENUM"));
        }
        if (s.has("pattern")) {
            out.put("pattern", F.textNode("~" + sampleOf(s).asText()));
        }
        if (s.has("minLength") && s.get("minLength").asInt() > 0) {
            out.put("minLength", F.textNode(""));
        }
        if (s.has("maxLength")) {
            out.put("maxLength", F.textNode(longString(s)));
        }
        if (s.has("minimum")) {
            double min = s.get("minimum").asDouble();
            out.put("minimum", number(type, s.path("exclusiveMinimum").asBoolean(false) ? min : min - 1));
        }
        if (s.has("maximum")) {
            double max = s.get("maximum").asDouble();
            out.put("maximum", number(type, s.path("exclusiveMaximum").asBoolean(false) ? max : max + 1));
        }
        if (s.has("format")) {
            out.put("format", F.textNode("not a " + s.get("format").asText()));
        }
        if (s.has("maxItems")) {
            ArrayNode many = F.arrayNode();
            JsonNode item = sampleOf(s.get("items"));
            for (int i = 0; i <= s.get("maxItems").asInt(); i++) {
                many.add(item.deepCopy());
            }
            out.put("maxItems", many);
        }
        if (s.has("minItems") && s.get("minItems").asInt() > 0) {
            out.put("minItems", F.arrayNode());
        }
        if (s.has("maxProperties")) {
            ObjectNode many = F.objectNode();
            for (int i = 0; i <= s.get("maxProperties").asInt(); i++) {
                many.put("k" + i, "v");
            }
            out.put("maxProperties", many);
        }
        return out;
    }

    /** The same for a parameter: its values are text. */
    private Map<String, String> violations(JsonNode s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : violationValues(s).entrySet()) {
            JsonNode v = e.getValue();
            if (e.getKey().equals("type")) {
                if (!s.path("type").asText().equals("string")) {
                    out.put("type", "notANumber");
                }
            } else if (v.isValueNode() && !v.asText().isEmpty()) {
                out.put(e.getKey(), v.isNumber() ? v.numberValue().toString() : v.asText());
            }
        }
        return out;
    }

    private static JsonNode number(String type, double v) {
        return type.equals("integer") ? F.numberNode((long) v) : F.numberNode(v);
    }

    private String longString(JsonNode s) {
        String unit = s.has("pattern") ? sampleOf(s).asText() : "a";
        StringBuilder b = new StringBuilder();
        while (b.length() <= s.get("maxLength").asInt()) {
            b.append(unit.isEmpty() ? "a" : unit.substring(0, 1));
        }
        return b.toString();
    }

    private JsonNode wrongType(JsonNode s) {
        return switch (deref(s).path("type").asText("")) {
            case "string" -> F.numberNode(12345);
            case "integer" -> F.numberNode(1.5);
            case "number", "boolean", "array", "object" -> F.textNode("not-" + deref(s).path("type").asText());
            default -> F.arrayNode();
        };
    }

    /** A valid value for a schema. */
    private JsonNode sampleOf(JsonNode s) {
        s = deref(s);
        if (s.has("example")) {
            return s.get("example");
        }
        if (s.has("enum")) {
            return s.get("enum").get(0);
        }
        switch (s.path("type").asText("object")) {
            case "string": {
                if ("date-time".equals(s.path("format").asText())) {
                    return F.textNode("2026-11-24T10:00:00Z");
                }
                if ("uri".equals(s.path("format").asText())) {
                    return F.textNode("https://callbacks.example.com/done");
                }
                String v = s.has("pattern") ? RegexSample.of(s.get("pattern").asText()) : "sample";
                while (v.length() < s.path("minLength").asInt(0)) {
                    v += v.isEmpty() ? "a" : v.substring(0, 1);
                }
                return F.textNode(v);
            }
            case "integer": {
                long v = s.has("default") ? s.get("default").asLong() : s.has("minimum")
                        ? s.get("minimum").asLong() + (s.path("exclusiveMinimum").asBoolean() ? 1 : 0) : 1;
                return F.numberNode(v);
            }
            case "number": {
                double v = s.has("minimum") ? s.get("minimum").asDouble() + 1.5 : 1.5;
                return F.numberNode(v);
            }
            case "boolean":
                return F.booleanNode(true);
            case "array": {
                ArrayNode a = F.arrayNode();
                for (int i = 0; i < Math.max(1, s.path("minItems").asInt(1)); i++) {
                    a.add(sampleOf(s.get("items")));
                }
                return a;
            }
            default: {
                ObjectNode o = F.objectNode();
                for (Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = it.next();
                    o.set(p.getKey(), sampleOf(p.getValue()));
                }
                return o;
            }
        }
    }

    private JsonNode deref(JsonNode node) {
        for (int i = 0; i < 16 && node != null && node.has("$ref"); i++) {
            node = doc.at(node.get("$ref").asText().substring(1));
        }
        return node;
    }

    private static JsonNode at(JsonNode root, String pointer) {
        return pointer.isEmpty() ? root : root.at(pointer);
    }

    private static String fill(String template, Map<String, String> values) {
        String out = template;
        for (Map.Entry<String, String> v : values.entrySet()) {
            out = out.replace("{" + v.getKey() + "}", PercentEncoding.encode(v.getValue()));
        }
        return out;
    }
}
