package dev.gateway.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.codec.ErrorCode;
import dev.gateway.codec.ErrorResponses;
import dev.gateway.codec.RequestIds;
import dev.gateway.core.split.Migration;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin listener's {@code /admin/...} endpoints: the migration plan, its run-time changes and
 * configuration reload. Every request needs {@code Authorization: Bearer <token>} with one of
 * {@code migration.adminTokens}, compared in constant time (SHA-256 of both, then
 * {@link MessageDigest#isEqual}, over every token whichever matches); the token's name and the caller's
 * address are logged with each change. Without tokens configured, every {@code /admin/} request is refused.
 *
 * <table>
 * <caption>Endpoints (JSON bodies; a {@code prefix} names a {@code routes} item)</caption>
 * <tr><td>{@code GET /admin/migration}</td><td>the plan, held routes, the guard and comparisons</td></tr>
 * <tr><td>{@code POST /admin/migration/weight}</td><td>{@code {"prefix"?, "canaryWeight": 0-100}}: one split
 * route, or all without {@code prefix}</td></tr>
 * <tr><td>{@code POST /admin/migration/rollback}</td><td>every split route to canary weight 0</td></tr>
 * <tr><td>{@code POST /admin/migration/shadow}</td><td>{@code {"prefix"?, "percent": 0-100}}</td></tr>
 * <tr><td>{@code POST /admin/migration/resume}</td><td>{@code {"prefix"}}: a route the SLO guard
 * holds may be raised again</td></tr>
 * <tr><td>{@code POST /admin/reload}</td><td>reads the configuration file again</td></tr>
 * <tr><td>{@code GET /admin/diffs?limit=N}</td><td>the latest sampled differences and the noise table</td></tr>
 * </table>
 */
public final class MigrationAdmin {
    /** Strict: one JSON object, each member once, nothing after it. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    /** Bodies of admin requests are a few bytes of JSON. */
    static final int MAX_BODY_BYTES = 4096;

    private final Migration migration;
    /** Token name to the SHA-256 of the token. */
    private final Map<String, byte[]> tokenHashes = new LinkedHashMap<>();
    private final Function<String, String> reload;
    private final Executor background;
    private volatile Supplier<ObjectNode> status = () -> JSON.createObjectNode();
    private volatile Function<Integer, ObjectNode> diffs = limit -> JSON.createObjectNode();

    /**
     * @param tokens token name to the token's bytes
     * @param reload reloads the configuration file, given who asked; returns what changed, or throws
     *     with the reason it was refused
     * @param background where a reload runs (it reads a file: never on the admin loop)
     */
    public MigrationAdmin(Migration migration, Map<String, byte[]> tokens, Function<String, String> reload,
            Executor background) {
        this.migration = migration;
        tokens.forEach((name, token) -> tokenHashes.put(name, sha256(token)));
        this.reload = reload;
        this.background = background;
    }

    /** What {@code GET /admin/migration} adds to the plan (the SLO guard's and the comparisons' state). */
    public void status(Supplier<ObjectNode> extra) {
        this.status = extra;
    }

    /** What {@code GET /admin/diffs?limit=N} answers. */
    public void diffs(Function<Integer, ObjectNode> latest) {
        this.diffs = latest;
    }

    /** Whether a path is one of these endpoints. */
    static boolean owns(String path) {
        return path.equals("/admin") || path.startsWith("/admin/");
    }

    /**
     * Answers one request on the admin loop; a reload is answered from the background thread when done.
     *
     * @param respond writes the response (with the listener's keep-alive handling)
     */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, String path, String query,
            Consumer<FullHttpResponse> respond) {
        ByteBufAllocator alloc = ctx.alloc();
        String who = caller(request);
        if (tokenHashes.isEmpty()) {
            respond.accept(error(alloc, ErrorCode.FORBIDDEN, "no admin tokens are configured "
                    + "(migration.adminTokens): the admin listener changes nothing"));
            return;
        }
        if (who == null) {
            FullHttpResponse r = error(alloc, ErrorCode.UNAUTHENTICATED, "an admin token is required "
                    + "(Authorization: Bearer <token>)");
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"gateway-admin\"");
            respond.accept(r);
            return;
        }
        who = who + "@" + address(ctx);
        boolean get = request.method().equals(HttpMethod.GET);
        boolean post = request.method().equals(HttpMethod.POST);
        try {
            switch (path) {
                case "/admin/migration" -> {
                    if (!get) {
                        respond.accept(notAllowed(alloc, "GET"));
                        return;
                    }
                    ObjectNode body = migration.plan().toJson();
                    body.putPOJO("held", migration.held());
                    body.set("status", status.get());
                    respond.accept(json(alloc, HttpResponseStatus.OK, body));
                }
                case "/admin/diffs" -> {
                    if (!get) {
                        respond.accept(notAllowed(alloc, "GET"));
                        return;
                    }
                    respond.accept(json(alloc, HttpResponseStatus.OK, diffs.apply(limit(query))));
                }
                case "/admin/migration/weight", "/admin/migration/rollback", "/admin/migration/shadow",
                        "/admin/migration/resume" -> {
                    if (!post) {
                        respond.accept(notAllowed(alloc, "POST"));
                        return;
                    }
                    JsonNode body = body(request);
                    String changed = change(path, body, who);
                    ObjectNode out = JSON.createObjectNode().put("changed", changed);
                    out.set("plan", migration.plan().toJson());
                    respond.accept(json(alloc, HttpResponseStatus.OK, out));
                }
                case "/admin/reload" -> {
                    if (!post) {
                        respond.accept(notAllowed(alloc, "POST"));
                        return;
                    }
                    String by = who;
                    background.execute(() -> {
                        FullHttpResponse r;
                        try {
                            r = json(alloc, HttpResponseStatus.OK, JSON.createObjectNode().put("changed",
                                    reload.apply("admin " + by)));
                        } catch (RuntimeException e) {
                            r = error(alloc, ErrorCode.VALIDATION_FAILED, "reload refused: " + e.getMessage());
                        }
                        FullHttpResponse answer = r;
                        ctx.executor().execute(() -> respond.accept(answer));
                    });
                }
                default -> respond.accept(ErrorResponses.create(alloc, ErrorCode.NOT_FOUND, RequestIds.newId()));
            }
        } catch (IllegalArgumentException e) {
            respond.accept(error(alloc, ErrorCode.VALIDATION_FAILED, e.getMessage()));
        }
    }

    private String change(String path, JsonNode body, String who) {
        String prefix = body.hasNonNull("prefix") ? text(body, "prefix") : null;
        return switch (path) {
            case "/admin/migration/weight" -> migration.setCanaryWeight(prefix, percent(body, "canaryWeight"), "admin",
                    who);
            case "/admin/migration/rollback" -> prefix == null ? migration.rollback("admin", who)
                    : migration.setCanaryWeight(prefix, 0, "admin", who);
            case "/admin/migration/shadow" -> migration.setShadowShare(prefix, percent(body, "percent"), "admin", who);
            default -> {
                if (prefix == null) {
                    throw new IllegalArgumentException("'prefix' is required: the route to resume");
                }
                yield migration.resume(prefix, who) ? "route " + prefix + " resumed" : "route " + prefix
                        + " was not held";
            }
        };
    }

    /** The token's name when the request carries a known one, else {@code null}. Constant time over all tokens. */
    private String caller(FullHttpRequest request) {
        String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        byte[] presented = sha256(auth.substring(7).trim().getBytes(StandardCharsets.UTF_8));
        String found = null;
        for (Map.Entry<String, byte[]> e : tokenHashes.entrySet()) {
            if (MessageDigest.isEqual(presented, e.getValue()) && found == null) {
                found = e.getKey(); // no early exit: every token is compared whichever matches
            }
        }
        return found;
    }

    private static JsonNode body(FullHttpRequest request) {
        if (request.content().readableBytes() == 0) {
            return JSON.createObjectNode();
        }
        if (request.content().readableBytes() > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("the body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        try {
            JsonNode n = JSON.readTree(ByteBufUtil.getBytes(request.content()));
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("the body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not valid JSON");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return v.asText();
    }

    /** A percentage field (0 to 100, two decimals) as basis points. */
    private static int percent(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isNumber() || !(v.doubleValue() >= 0 && v.doubleValue() <= 100)) {
            throw new IllegalArgumentException("'" + field + "' must be a number from 0 to 100");
        }
        return (int) Math.round(v.doubleValue() * 100);
    }

    private static int limit(String query) {
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("limit=")) {
                    try {
                        return (int) Math.max(1, Math.min(1000, Long.parseLong(part.substring(6))));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'limit' must be a whole number (1 to 1000)");
                    }
                }
            }
        }
        return 50;
    }

    private static String address(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "?";
    }

    private static FullHttpResponse notAllowed(ByteBufAllocator alloc, String allow) {
        FullHttpResponse r = ErrorResponses.create(alloc, ErrorCode.METHOD_NOT_ALLOWED, RequestIds.newId());
        r.headers().set(HttpHeaderNames.ALLOW, allow);
        return r;
    }

    private static FullHttpResponse error(ByteBufAllocator alloc, ErrorCode code, String message) {
        return ErrorResponses.create(alloc, code, message, RequestIds.newId());
    }

    static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, JsonNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                alloc.buffer(bytes.length).writeBytes(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
