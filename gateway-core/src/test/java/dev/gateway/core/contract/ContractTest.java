package dev.gateway.core.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContractTest {
    @Test
    void theBundledContractHasEveryOperation() {
        Contract c = Contract.bundled();
        assertEquals(14, c.operations().size());
        Operation place = c.operations().stream().filter(o -> o.id().equals("placeTrade")).findFirst().orElseThrow();
        assertEquals(HttpMethod.POST, place.method());
        assertEquals("/v1/trades", place.pathTemplate());
        assertEquals(List.of("trades:write"), place.requiredScopes());
        for (Operation o : c.operations()) {
            assertEquals(!o.pathTemplate().equals("/healthz") && !o.pathTemplate().equals("/readyz"), o.secured(),
                    o.id() + ": only health is open (security: [])");
        }
    }

    @Test
    void securityIsInheritedAndAnEmptyListOrAlternativeOpensAnOperation() {
        String yaml = "security: [{apiKey: []}]\npaths:\n"
                + "  /a: {get: {operationId: a}}\n"
                + "  /b: {get: {operationId: b, security: []}}\n"
                + "  /c: {get: {operationId: c, security: [{apiKey: []}, {}]}}\n"
                + "  /d: {get: {operationId: d, security: [{bearer: []}]}}\n";
        Contract c = Contract.parse(yaml.getBytes(StandardCharsets.UTF_8), "api.yaml");
        assertEquals(List.of(true, false, false, true), c.operations().stream().map(Operation::secured).toList());
        Contract open = Contract.parse("paths:\n  /a: {get: {operationId: a}}\n".getBytes(StandardCharsets.UTF_8),
                "api.yaml");
        assertEquals(false, open.operations().get(0).secured(), "no security anywhere: open");
    }

    @Test
    void aBrokenContractIsRefusedNamingFileAndPointer() {
        String noId = "paths:\n  /v1/x:\n    get:\n      summary: no id\n";
        String msg = assertThrows(ContractException.class,
                () -> Contract.parse(noId.getBytes(StandardCharsets.UTF_8), "api.yaml")).getMessage();
        assertTrue(msg.contains("api.yaml") && msg.contains("/paths/~1v1~1x/get"), msg);

        String dup = "paths:\n  /a:\n    get: {operationId: x}\n  /b:\n    get: {operationId: x}\n";
        assertTrue(assertThrows(ContractException.class,
                () -> Contract.parse(dup.getBytes(StandardCharsets.UTF_8), "api.yaml")).getMessage()
                .contains("duplicate operationId 'x'"));
        assertTrue(assertThrows(ContractException.class,
                () -> Contract.parse("openapi: [".getBytes(StandardCharsets.UTF_8), "api.yaml")).getMessage()
                .startsWith("api.yaml: not valid YAML"));
        assertTrue(assertThrows(ContractException.class,
                () -> Contract.parse("info: {}".getBytes(StandardCharsets.UTF_8), "api.yaml")).getMessage()
                .contains("no 'paths'"));
    }

    private static String refused(String yaml) {
        return assertThrows(ContractException.class,
                () -> Contract.parse(yaml.getBytes(StandardCharsets.UTF_8), "api.yaml")).getMessage();
    }

    private static final String OP = "paths:\n  /v1/x:\n    post:\n      operationId: x\n"
            + "      requestBody:\n        content:\n          application/json:\n            schema:\n";

    @Test
    void schemasTheValidatorWouldMisreadAreRefusedWithTheirPointer() {
        String dangling = refused(OP + "              $ref: '#/components/schemas/Nope'\n");
        assertTrue(dangling.startsWith("api.yaml: at /paths/~1v1~1x/post/requestBody/content/application~1json"
                + "/schema/$ref: '#/components/schemas/Nope' points to nothing"), dangling);

        String typo = refused(OP + "              type: object\n              properties:\n"
                + "                name: {type: string, maxLenght: 3}\n");
        assertTrue(typo.contains("/schema/properties/name/maxLenght: 'maxLenght' is not an OpenAPI 3.0 schema"
                + " keyword"), typo);

        String regex = refused(OP + "              type: string\n              pattern: '[a-'\n");
        assertTrue(regex.contains("/schema/pattern: not a valid regular expression"), regex);

        String remote = refused(OP + "              $ref: 'https://elsewhere.example/schema.json'\n");
        assertTrue(remote.contains("only references inside this document"), remote);
    }

    @Test
    void everyOperationCompilesAndCarriesItsRules() {
        Contract c = Contract.bundled();
        var rules = c.compileRequestRules(op -> c.takesJsonBody(op) ? 1 << 20 : 256L << 20);
        assertEquals(14, rules.size());
        assertTrue(rules.get("placeTrade").validatesJsonBody());
        assertTrue(rules.get("placeTrade").accepts("application/json; charset=UTF-8"));
        assertTrue(!rules.get("placeTrade").accepts("application/json; charset=iso-8859-1"));
        assertTrue(!rules.get("placeTrade").accepts("text/plain"));
        assertTrue(rules.get("uploadArtifact").accepts("application/octet-stream"));
        assertTrue(!rules.get("uploadArtifact").validatesJsonBody());
        assertEquals(256L << 20, rules.get("uploadArtifact").maxBodyBytes());
        assertTrue(!rules.get("getTrade").takesBody());
    }
}
