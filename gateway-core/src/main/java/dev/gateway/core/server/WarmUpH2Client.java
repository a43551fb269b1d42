package dev.gateway.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The warm-up's HTTP/2 client: h2c with prior knowledge on a blocking socket, {@link #STREAMS_AT_ONCE}
 * streams at a time on a connection, a new connection every {@link #STREAMS_PER_CONNECTION} streams, so the
 * frame codec, the multiplexer and the streams' pipelines are compiled before the first h2 caller. It
 * writes the few frames it needs itself (RFC 9113 §4.1) and reads only what tells a stream's end.
 */
final class WarmUpH2Client {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int GOAWAY = 7;
    private static final int WINDOW_UPDATE = 8;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int STREAMS_AT_ONCE = 4;
    /**
     * The share of the warm-up's requests sent over HTTP/2: enough for the compiler to take up the frame
     * codec, HPACK and the multiplexer (the stages are the HTTP/1.1 ones, warmed either way), and no more:
     * on a small machine the warm-up's time is shared, and HTTP/1.1's path must not go colder for it.
     */
    static final int SHARE_DIVISOR = 16;
    private static final int STREAMS_PER_CONNECTION = 64;

    /** A request as the client sends it on a stream: its header fields and its body (may be empty). */
    record Request(Http2Headers headers, byte[] body) {
    }

    private WarmUpH2Client() {
    }

    /**
     * Sends {@code requests} in turn until {@code limit} requests were sent by all the clients (counted in
     * {@code sent}), this one's share of {@code limit / SHARE_DIVISOR} is done, or the deadline passes; a stream
     * not answered 2xx counts in {@code failed}.
     */
    static void drive(int port, List<Request> requests, int limit, long deadline, AtomicInteger sent,
            AtomicInteger failed) {
        int share = Math.max(STREAMS_PER_CONNECTION, limit / SHARE_DIVISOR);
        for (int mine = 0; mine < share && System.nanoTime() - deadline < 0 && sent.get() < limit; ) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                // HPACK's tables belong to one connection (RFC 7541 §2.2).
                DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
                DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
                s.setTcpNoDelay(true);
                s.setSoTimeout(2_000);
                OutputStream out = s.getOutputStream();
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
                ByteArrayOutputStream first = new ByteArrayOutputStream();
                first.writeBytes(PREFACE);
                first.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
                first.writeBytes(frame(WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(1 << 24).array()));
                out.write(first.toByteArray());
                int stream = 1;
                for (int done = 0; done < STREAMS_PER_CONNECTION && mine < share
                        && System.nanoTime() - deadline < 0; ) {
                    ByteArrayOutputStream batch = new ByteArrayOutputStream();
                    int open = 0;
                    for (int n; open < STREAMS_AT_ONCE && (n = sent.getAndIncrement()) < limit; open++) {
                        Request r = requests.get(n % requests.size());
                        boolean body = r.body().length > 0;
                        batch.writeBytes(frame(HEADERS, END_HEADERS | (body ? 0 : END_STREAM), stream + 2 * open,
                                block(encoder, r.headers())));
                        if (body) {
                            batch.writeBytes(frame(DATA, END_STREAM, stream + 2 * open, r.body()));
                        }
                    }
                    if (open == 0) {
                        return;
                    }
                    out.write(batch.toByteArray());
                    out.flush();
                    failed.addAndGet(await(in, out, decoder, open));
                    stream += 2 * open;
                    done += open;
                    mine += open;
                }
            } catch (IOException | RuntimeException e) {
                failed.incrementAndGet(); // best effort, as the HTTP/1.1 clients
            }
        }
    }

    /**
     * Reads until {@code streams} streams ended; acknowledges SETTINGS. No WINDOW_UPDATE: each response is
     * far below a stream's window, and the connection's was opened wide at the start.
     */
    private static int await(DataInputStream in, OutputStream out, DefaultHttp2HeadersDecoder decoder, int streams)
            throws IOException {
        int failed = 0;
        byte[] head = new byte[9];
        for (int ended = 0; ended < streams; ) {
            in.readFully(head);
            int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
            int type = head[3] & 0xff;
            int flags = head[4] & 0xff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == SETTINGS && (flags & 0x1) == 0) {
                out.write(frame(SETTINGS, 0x1, 0, new byte[0]));
            } else if (type == HEADERS && !success(decoder, payload)) {
                failed++;
            } else if (type == RST_STREAM) {
                failed++;
                ended++;
                continue;
            } else if (type == GOAWAY) {
                throw new IOException("GOAWAY");
            }
            if ((type == DATA || type == HEADERS) && (flags & END_STREAM) != 0) {
                ended++;
            }
        }
        return failed;
    }

    private static boolean success(DefaultHttp2HeadersDecoder decoder, byte[] block) throws IOException {
        ByteBuf buf = Unpooled.wrappedBuffer(block);
        try {
            CharSequence status = decoder.decodeHeaders(0, buf).status();
            return status != null && status.length() == 3 && status.charAt(0) == '2';
        } catch (Http2Exception e) {
            throw new IOException(e);
        } finally {
            buf.release();
        }
    }

    private static byte[] block(DefaultHttp2HeadersEncoder encoder, Http2Headers headers) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(0, headers, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } catch (Http2Exception e) {
            throw new IOException(e);
        } finally {
            buf.release();
        }
    }

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return b.array();
    }

    /** The warm-up's requests as h2 streams: the HTTP/1.1 ones' fields, read from their bytes. */
    static List<Request> of(List<byte[]> http1Requests) {
        return http1Requests.stream().map(WarmUpH2Client::convert).toList();
    }

    private static Request convert(byte[] http1) {
        String text = new String(http1, StandardCharsets.US_ASCII);
        int end = text.indexOf("\r\n\r\n");
        String[] lines = text.substring(0, end).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Http2Headers h = new DefaultHttp2Headers().method(requestLine[0]).path(requestLine[1]).scheme("http")
                .authority("warmup");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
            if (!name.equals("host")) {
                h.add(name, lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(http1, end + 4, http1.length);
        return new Request(h, body);
    }
}
