package dev.gateway.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/2 client on a plain socket that writes whatever frames a test asks for, well formed or not,
 * and reads the server's frames one by one (RFC 9113 §4.1): what the attack tests need, which no
 * well-behaved client library would send. Prior knowledge (h2c) only. Header blocks are HPACK-encoded
 * and decoded with Netty's codec; everything else is written here byte by byte.
 */
final class RawH2 implements AutoCloseable {
    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int PRIORITY = 2;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int CONTINUATION = 9;
    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;
    /** RFC 9113 §7 error codes. */
    static final int PROTOCOL_ERROR = 0x1;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int ENHANCE_YOUR_CALM = 0xb;

    /** A frame as read: its type, flags, stream and payload. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** RST_STREAM's or GOAWAY's error code. */
        int errorCode() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return type == GOAWAY ? b.getInt(4) : b.getInt(0);
        }

        boolean endStream() {
            return (flags & END_STREAM) != 0 && (type == DATA || type == HEADERS);
        }

        @Override
        public String toString() {
            return "Frame[type=" + type + ", flags=" + flags + ", stream=" + stream + ", " + payload.length + " bytes]";
        }
    }

    /** A response as read off one stream. */
    record Response(Http2Headers headers, byte[] body, Frame reset) {
        int status() {
            return Integer.parseInt(headers.status().toString());
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    /** Connects, sends the preface and an empty SETTINGS frame. */
    RawH2(int port) throws IOException {
        this(port, true);
    }

    /** @param settings whether to send the client's empty SETTINGS after the preface */
    RawH2(int port, boolean settings) throws IOException {
        this(port, new byte[0]);
        if (settings) {
            frame(SETTINGS, 0, 0, new byte[0]);
        }
    }

    /** Connects and sends {@code before} (an HTTP/1.1 upgrade request, say) in the same write as the preface. */
    RawH2(int port, byte[] before) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        first.writeBytes(before);
        first.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        first.writeBytes(encodeFrame(SETTINGS, 0, 0, new byte[0]));
        out.write(first.toByteArray());
        out.flush();
    }

    /** Reads an HTTP/1.1 response head (up to its blank line) off the socket: for the upgrade's 101. */
    String http1Head() throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        return head.toString();
    }

    /** How long a read waits before {@link SocketTimeoutException} (ms). */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Writes one frame. */
    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(encodeFrame(type, flags, stream, payload));
        out.flush();
    }

    /** One frame's bytes, for tests that write many at once. */
    static byte[] encodeFrame(int type, int flags, int stream, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return b.array();
    }

    /** Writes bytes as they are (many frames in one write). */
    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** SETTINGS with the given id, value pairs. */
    void settings(int... idsAndValues) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(idsAndValues.length / 2 * 6);
        for (int i = 0; i < idsAndValues.length; i += 2) {
            b.putShort((short) idsAndValues[i]).putInt(idsAndValues[i + 1]);
        }
        frame(SETTINGS, 0, 0, b.array());
    }

    /** HPACK-encodes fields given as name, value, name, value... (pseudo-header fields first). */
    byte[] headerBlock(String... namesAndValues) {
        Http2Headers h = new DefaultHttp2Headers(false);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(0, h, buf);
            return ByteBufUtil.getBytes(buf);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            buf.release();
        }
    }

    /** A HEADERS frame with END_HEADERS carrying {@code fields}. */
    void headers(int stream, boolean endStream, String... fields) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, headerBlock(fields));
    }

    /** The fields of a GET of {@code path}, with the test API key. */
    static String[] get(String path) {
        return new String[] {":method", "GET", ":scheme", "http", ":path", path, ":authority", "localhost",
                "x-api-key", "it-key"};
    }

    void data(int stream, boolean endStream, byte[] bytes) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    void rst(int stream, int errorCode) throws IOException {
        frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(errorCode).array());
    }

    void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    /** The next frame, or {@code null} when the server closed the connection. */
    Frame read() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            return null;
        } catch (IOException e) {
            if (e instanceof SocketTimeoutException) {
                throw e;
            }
            return null; // reset by the server: closed as well
        }
        int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
        int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(head[3] & 0xff, head[4] & 0xff, stream, payload);
    }

    /** Reads until a frame of {@code type} (on any stream), acknowledging the server's SETTINGS on the way. */
    Frame await(int type) throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.type() == type) {
                return f;
            }
            ackSettings(f);
        }
        return null;
    }

    /**
     * Reads until {@code stream} ends (END_STREAM, or RST_STREAM), or the connection does; acknowledges
     * SETTINGS and skips other streams' frames.
     */
    Response response(int stream) throws IOException {
        Http2Headers headers = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Frame f = read(); f != null; f = read()) {
            ackSettings(f);
            if (f.stream() != stream) {
                continue;
            }
            if (f.type() == RST_STREAM) {
                return new Response(headers, body.toByteArray(), f);
            }
            if (f.type() == HEADERS && headers == null) {
                headers = decode(f.payload());
            } else if (f.type() == DATA) {
                body.write(f.payload());
                if (f.payload().length > 0) {
                    windowUpdate(0, f.payload().length);
                    windowUpdate(stream, f.payload().length);
                }
            }
            if (f.endStream()) {
                return new Response(headers, body.toByteArray(), null);
            }
        }
        return new Response(headers, body.toByteArray(), null);
    }

    private void ackSettings(Frame f) throws IOException {
        if (f.type() == SETTINGS && (f.flags() & ACK) == 0) {
            frame(SETTINGS, ACK, 0, new byte[0]);
        }
    }

    Http2Headers decode(byte[] block) {
        ByteBuf buf = Unpooled.wrappedBuffer(block);
        try {
            return decoder.decodeHeaders(0, buf);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            buf.release();
        }
    }

    /** Reads until the server closes; the frames' types seen, in order. */
    java.util.List<Frame> drain() throws IOException {
        java.util.List<Frame> frames = new java.util.ArrayList<>();
        for (Frame f = read(); f != null; f = read()) {
            frames.add(f);
        }
        return frames;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
