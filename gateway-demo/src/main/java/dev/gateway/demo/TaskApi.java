package dev.gateway.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The demo task service: tasks, a progress event stream, and artifacts stored for real. */
final class TaskApi implements DemoApi {
    static final java.util.concurrent.atomic.AtomicLong EVENTS_SENT = new java.util.concurrent.atomic.AtomicLong();
    private static final String TASKS = "/v1/tasks";
    private final ArtifactStore artifacts;

    TaskApi(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    @Override
    public boolean streamsBody(HttpRequest request) {
        return request.method().equals(HttpMethod.PUT) && artifactKey(path(request)) != null;
    }

    @Override
    public BodySink upload(ChannelHandlerContext ctx, HttpRequest request) {
        return artifacts.upload(artifactKey(path(request)));
    }

    @Override
    public void handle(ChannelHandlerContext ctx, HttpRequest request, ByteBuf body) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        if (path.equals(TASKS)) {
            if (method.equals(HttpMethod.POST)) {
                JsonNode req = Json.parse(body);
                if (req == null || !req.isObject()) {
                    Json.error(ctx, HttpResponseStatus.BAD_REQUEST, "VALIDATION_FAILED", "body is not a JSON object");
                    return;
                }
                ObjectNode task = task(Json.newId("tsk_"), req.path("type").asText("REPORT"),
                        req.path("accountId").asText("ACC-00012345"), "QUEUED", 0);
                task.put("priority", req.path("priority").asInt(5));
                Json.send(ctx, HttpResponseStatus.ACCEPTED, task, TASKS + "/" + task.get("taskId").asText());
            } else if (method.equals(HttpMethod.GET)) {
                String account = uri.parameters().getOrDefault("accountId", List.of("ACC-00000001")).get(0);
                ObjectNode page = Json.object();
                ArrayNode items = page.putArray("items");
                items.add(task(Json.newId("tsk_"), "REBALANCE", account, "RUNNING", 40));
                items.add(task(Json.newId("tsk_"), "REPORT", account, "SUCCEEDED", 100));
                page.putNull("nextCursor");
                Json.send(ctx, HttpResponseStatus.OK, page, null);
            } else {
                notFound(ctx);
            }
            return;
        }
        String[] seg = path.substring(1).split("/");
        if (seg.length < 3 || !seg[2].startsWith("tsk_")) {
            notFound(ctx);
            return;
        }
        String taskId = seg[2];
        if (seg.length == 3 && method.equals(HttpMethod.GET)) {
            Json.send(ctx, HttpResponseStatus.OK, task(taskId, "REBALANCE", "ACC-00012345", "RUNNING", 40), null);
        } else if (seg.length == 4 && seg[3].equals("cancel") && method.equals(HttpMethod.POST)) {
            Json.send(ctx, HttpResponseStatus.ACCEPTED, task(taskId, "REBALANCE", "ACC-00012345", "CANCELLED", 40),
                    null);
        } else if (seg.length == 4 && seg[3].equals("events") && method.equals(HttpMethod.GET)) {
            streamEvents(ctx, taskId, request.headers().get("Last-Event-ID"));
        } else if (seg.length == 5 && seg[3].equals("artifacts") && method.equals(HttpMethod.GET)) {
            if (!artifacts.download(ctx, taskId + "/" + seg[4])) {
                notFound(ctx);
            }
        } else {
            notFound(ctx);
        }
    }

    /** One {@code data:} line of TaskEvent JSON per event, every 200 ms, progress 0 to 100. */
    private static void streamEvents(ChannelHandlerContext ctx, String taskId, String lastEventId) {
        int first = 0;
        try {
            first = lastEventId == null ? 0 : Integer.parseInt(lastEventId.trim()) + 1;
        } catch (NumberFormatException ignored) {
            first = 0;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.writeAndFlush(head, ctx.voidPromise());
        int[] seq = {first};
        ScheduledFuture<?>[] task = new ScheduledFuture<?>[1];
        task[0] = ctx.executor().scheduleAtFixedRate(() -> {
            if (!ctx.channel().isActive()) {
                task[0].cancel(false);
                return;
            }
            int s = seq[0]++;
            int progress = Math.min(100, s * 10);
            ObjectNode event = Json.object();
            event.put("taskId", taskId).put("seq", s).put("status", progress >= 100 ? "SUCCEEDED" : "RUNNING")
                    .put("progress", progress).put("message", progress >= 100 ? "done" : "working");
            String frame = "id: " + s + "\ndata: " + event + "\n\n";
            ctx.writeAndFlush(new DefaultHttpContent(ByteBufUtil.writeUtf8(ctx.alloc(), frame)), ctx.voidPromise());
            EVENTS_SENT.incrementAndGet();
            if (progress >= 100) {
                task[0].cancel(false);
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }, 0, DemoUpstreams.EVENT_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener((ChannelFutureListener) f -> task[0].cancel(false));
    }

    private static ObjectNode task(String id, String type, String account, String status, int progress) {
        ObjectNode t = Json.object();
        t.put("taskId", id).put("type", type).put("accountId", account).put("status", status)
                .put("priority", 5).put("progress", progress);
        if (status.equals("SUCCEEDED")) {
            t.putObject("result").put("summary", "completed");
        } else {
            t.putNull("result");
        }
        t.putNull("error");
        t.put("createdAt", "2026-11-24T09:30:00.000Z").put("updatedAt", Json.now());
        return t;
    }

    private static String path(HttpRequest request) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** {@code taskId/name} for an artifact path, else {@code null}. */
    private static String artifactKey(String path) {
        String[] seg = path.substring(1).split("/");
        if (seg.length == 5 && seg[0].equals("v1") && seg[1].equals("tasks") && seg[3].equals("artifacts")) {
            return seg[2] + "/" + seg[4];
        }
        return null;
    }

    private static void notFound(ChannelHandlerContext ctx) {
        Json.error(ctx, HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "no such resource");
    }
}
