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
}
