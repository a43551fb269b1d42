package dev.gateway.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

/** The demo trade service: orders are accepted as NEW and read back with plausible fills. */
final class TradeApi implements DemoApi {
    private static final String[] SYMBOLS = {"AAPL", "MSFT", "BRK.B", "NVDA"};

    @Override
    public void handle(ChannelHandlerContext ctx, HttpRequest request, ByteBuf body) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        if (path.equals("/v1/trades")) {
            if (method.equals(HttpMethod.POST)) {
                JsonNode order = Json.parse(body);
                if (order == null || !order.isObject()) {
                    Json.error(ctx, HttpResponseStatus.BAD_REQUEST, "VALIDATION_FAILED", "body is not a JSON object");
                    return;
                }
                ObjectNode trade = trade(Json.newId("trd_"), order, "NEW");
                Json.send(ctx, HttpResponseStatus.CREATED, trade, "/v1/trades/" + trade.get("tradeId").asText());
            } else if (method.equals(HttpMethod.GET)) {
                String account = uri.parameters().getOrDefault("accountId", java.util.List.of("ACC-00000001")).get(0);
                ObjectNode page = Json.object();
                ArrayNode items = page.putArray("items");
                for (int i = 0; i < 3; i++) {
                    items.add(sample(Json.newId("trd_"), account, i));
                }
                page.putNull("nextCursor");
                Json.send(ctx, HttpResponseStatus.OK, page, null);
            } else {
                notFound(ctx);
            }
        } else if (path.equals("/v1/trades/batch") && method.equals(HttpMethod.POST)) {
            JsonNode batch = Json.parse(body);
            JsonNode orders = batch == null ? null : batch.get("orders");
            if (orders == null || !orders.isArray()) {
                Json.error(ctx, HttpResponseStatus.BAD_REQUEST, "VALIDATION_FAILED", "body has no orders array");
                return;
            }
            ObjectNode out = Json.object();
            ArrayNode results = out.putArray("results");
            for (int i = 0; i < orders.size(); i++) {
                ObjectNode r = results.addObject();
                r.put("index", i).put("status", 201);
                r.set("trade", trade(Json.newId("trd_"), orders.get(i), "NEW"));
            }
            Json.send(ctx, HttpResponseStatus.MULTI_STATUS, out, null);
        } else if (path.startsWith("/v1/trades/trd_")) {
            String id = path.substring("/v1/trades/".length());
            if (method.equals(HttpMethod.GET)) {
                Json.send(ctx, HttpResponseStatus.OK, sample(id, "ACC-00012345", Math.abs(id.hashCode())), null);
            } else if (method.equals(HttpMethod.DELETE)) {
                ObjectNode t = sample(id, "ACC-00012345", Math.abs(id.hashCode()));
                t.put("status", "CANCEL_PENDING");
                Json.send(ctx, HttpResponseStatus.ACCEPTED, t, null);
            } else {
                notFound(ctx);
            }
        } else {
            notFound(ctx);
        }
    }

    private static void notFound(ChannelHandlerContext ctx) {
        Json.error(ctx, HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no such resource");
    }

    private static ObjectNode trade(String id, JsonNode order, String status) {
        ObjectNode t = Json.object();
        t.put("tradeId", id);
        t.put("clientOrderId", text(order, "clientOrderId", "ord-" + id.substring(4, 12)));
        t.put("accountId", text(order, "accountId", "ACC-00012345"));
        t.put("symbol", text(order, "symbol", "AAPL"));
        t.put("side", text(order, "side", "BUY"));
        t.put("type", text(order, "type", "LIMIT"));
        t.put("quantity", order.path("quantity").asDouble(1));
        t.put("filledQuantity", 0);
        numberOrNull(t, "limitPrice", order.get("limitPrice"));
        numberOrNull(t, "stopPrice", order.get("stopPrice"));
        t.putNull("averageFillPrice");
        t.put("timeInForce", text(order, "timeInForce", "DAY"));
        t.put("status", status);
        t.putNull("rejectReason");
        String now = Json.now();
        t.put("createdAt", now);
        t.put("updatedAt", now);
        return t;
    }

    private static ObjectNode sample(String id, String account, int seed) {
        ObjectNode t = Json.object();
        t.put("tradeId", id);
        t.put("clientOrderId", "ord-" + id.substring(4, Math.min(id.length(), 14)));
        t.put("accountId", account);
        t.put("symbol", SYMBOLS[seed % SYMBOLS.length]);
        t.put("side", seed % 2 == 0 ? "BUY" : "SELL");
        t.put("type", "LIMIT");
        t.put("quantity", 100);
        t.put("filledQuantity", 40);
        t.put("limitPrice", 189.25);
        t.putNull("stopPrice");
        t.put("averageFillPrice", 189.1);
        t.put("timeInForce", "DAY");
        t.put("status", "PARTIALLY_FILLED");
        t.putNull("rejectReason");
        t.put("createdAt", "2026-11-24T09:30:00.000Z");
        t.put("updatedAt", Json.now());
        return t;
    }

    private static String text(JsonNode n, String field, String dflt) {
        JsonNode v = n == null ? null : n.get(field);
        return v != null && v.isTextual() ? v.asText() : dflt;
    }

    private static void numberOrNull(ObjectNode t, String field, JsonNode v) {
        if (v != null && v.isNumber()) {
            t.set(field, v);
        } else {
            t.putNull(field);
        }
    }
}
