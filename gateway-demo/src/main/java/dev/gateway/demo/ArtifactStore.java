package dev.gateway.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** Artifacts in temporary files: hashed as they arrive, streamed back with backpressure. */
final class ArtifactStore implements AutoCloseable {
    private final Path dir;
    private final Map<String, Stored> stored = new ConcurrentHashMap<>();
    private final AtomicLong bytesSent = new AtomicLong();

    private record Stored(Path file, long size, String sha256) {
    }

    ArtifactStore() throws IOException {
        this.dir = Files.createTempDirectory("gateway-demo-artifacts");
    }

    long bytesSent() {
        return bytesSent.get();
    }

    DemoApi.BodySink upload(String key) {
        try {
            Path file = Files.createTempFile(dir, "artifact", ".bin");
            FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return new DemoApi.BodySink() {
                long size;

                @Override
                public void write(ByteBuf chunk) {
                    try {
                        sha.update(chunk.nioBuffer());
                        size += chunk.readableBytes();
                        chunk.getBytes(chunk.readerIndex(), out, chunk.readableBytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void end(ChannelHandlerContext ctx) {
                    close();
                    String hash = HexFormat.of().formatHex(sha.digest());
                    Stored old = stored.put(key, new Stored(file, size, hash));
                    if (old != null) {
                        delete(old.file());
                    }
                    int slash = key.indexOf('/');
                    ObjectNode a = Json.object();
                    a.put("taskId", key.substring(0, slash)).put("name", key.substring(slash + 1))
                            .put("size", size).put("sha256", hash);
                    Json.send(ctx, HttpResponseStatus.CREATED, a, null);
                }

                @Override
                public void abort() {
                    close();
                    delete(file);
                }

                private void close() {
                    try {
                        out.close();
                    } catch (IOException ignored) {
                        // nothing more to write
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Streams the artifact, or returns {@code false} when there is none. */
    boolean download(ChannelHandlerContext ctx, String key) {
        Stored s = stored.get(key);
        if (s == null) {
            return false;
        }
        ChunkedNioFile file;
        try {
            file = new ChunkedNioFile(FileChannel.open(s.file(), StandardOpenOption.READ), 64 * 1024);
        } catch (IOException e) {
            return false;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
                .set(HttpHeaderNames.CONTENT_LENGTH, s.size())
                .set("x-artifact-sha256", s.sha256());
        ctx.write(head, ctx.voidPromise());
        ctx.writeAndFlush(new HttpChunkedInput(new Counting(file)), ctx.voidPromise());
        return true;
    }

    /** Counts bytes as the chunked writer takes them, which it does only while the socket is writable. */
    private final class Counting implements ChunkedInput<ByteBuf> {
        private final ChunkedNioFile in;

        Counting(ChunkedNioFile in) {
            this.in = in;
        }

        @Override
        public boolean isEndOfInput() throws Exception {
            return in.isEndOfInput();
        }

        @Override
        public void close() throws Exception {
            in.close();
        }

        @Deprecated
        @Override
        public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
            ByteBuf chunk = in.readChunk(allocator);
            if (chunk != null) {
                bytesSent.addAndGet(chunk.readableBytes());
            }
            return chunk;
        }

        @Override
        public long length() {
            return in.length();
        }

        @Override
        public long progress() {
            return in.progress();
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file; the directory goes at close
        }
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(ArtifactStore::delete);
        } catch (IOException ignored) {
            // best effort
        }
        delete(dir);
    }
}
