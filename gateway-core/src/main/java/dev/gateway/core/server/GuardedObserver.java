package dev.gateway.core.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.exchange.ClientProtocol;
import dev.gateway.core.exchange.ExchangeObserver;
import dev.gateway.core.exchange.ExchangeRecord;
import dev.gateway.core.split.Side;
import dev.gateway.core.split.SloGuard;
import io.netty.handler.codec.http.HttpRequest;
import io.opentelemetry.api.trace.Span;
import java.util.List;

/**
 * The telemetry, and then the SLO guard for exchanges of split routes: which side each went to, whether
 * it failed (a 5xx sent by the upstream or by the gateway), and how long it took, first byte to last.
 * A client that left before the answer (499) counts as neither good nor bad: it says nothing of the stack.
 */
final class GuardedObserver implements ExchangeObserver {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExchangeObserver telemetry;
    private final SloGuard guard;
    /** Route prefixes by route index. */
    private final String[] prefixes;

    GuardedObserver(ExchangeObserver telemetry, SloGuard guard, List<String> prefixes) {
        this.telemetry = telemetry;
        this.guard = guard;
        this.prefixes = prefixes.toArray(new String[0]);
    }

    @Override
    public Span started(String requestId, HttpRequest request, ClientProtocol protocol, String clientAddress,
            int clientPort) {
        return telemetry.started(requestId, request, protocol, clientAddress, clientPort);
    }

    @Override
    public void ended(ExchangeRecord r) {
        telemetry.ended(r);
        if (r.split() != null && r.answered()) {
            guard.record(prefixes[r.operation().route()], r.split() == Side.CANARY, r.status() >= 500,
                    r.durationNanos());
        }
    }

    /** The guard's state per route, for {@code GET /admin/migration}. */
    static ObjectNode status(SloGuard guard) {
        ObjectNode out = JSON.createObjectNode();
        out.set("sloGuard", JSON.valueToTree(guard.status()));
        return out;
    }
}
