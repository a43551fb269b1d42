package dev.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client over one socket that writes raw bytes and reads responses strictly (RFC 9112): an
 * {@code HTTP/1.1} status line, CRLF line endings, well-formed field lines, and a body framed by exactly
 * one of {@code Content-Length}, {@code Transfer-Encoding: chunked} or the close of the connection (which
 * it reports as such, for the caller to judge). Everything read is kept, for failure messages.
 */
final class StrictClient implements AutoCloseable {
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 ([1-5][0-9][0-9]) ([\\x20-\\x7e\\t]*)");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern CHUNK_SIZE = Pattern.compile("([0-9A-Fa-f]{1,15})(;[^\\r\\n]*)?");

    enum Framing {
        /** No body by the rules (1xx, 204, 304, an answer to HEAD). */
        NONE,
        LENGTH,
        CHUNKED,
        /** Read until the server closed the connection. */
        CLOSE
    }

    record Field(String name, String value) {
        @Override
        public String toString() {
            return name + ": " + value;
        }
    }

    record Response(int status, List<Field> headers, byte[] body, List<Field> trailers, Framing framing) {
        List<String> all(String name) {
            List<String> values = new ArrayList<>();
            for (Field f : headers) {
                if (f.name().equalsIgnoreCase(name)) {
                    values.add(f.value());
                }
            }
            return values;
        }

        /** The one value of {@code name}, or {@code null}; fails when there are several. */
        String header(String name) {
            List<String> values = all(name);
            if (values.size() > 1) {
                throw new AssertionError("response has " + values.size() + " '" + name + "' fields: " + values);
            }
            return values.isEmpty() ? null : values.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The response's bytes break HTTP/1.1. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream transcript = new ByteArrayOutputStream();
    private boolean reset;

    /** @param readTimeoutMillis a safety net for a gateway that never answers, not a synchronisation */
    StrictClient(int port, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    StrictClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    StrictClient send(String latin1) throws IOException {
        return send(latin1.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Everything read from the gateway so far, escaped. */
    String transcript() {
        return RawUpstream.escape(transcript.toByteArray()) + (reset ? " <RESET>" : "");
    }

    boolean wasReset() {
        return reset;
    }

    /** The next byte, or -1 at the end of the stream (a reset counts as an end, and is remembered). */
    private int read() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (SocketException e) {
            reset = true;
            return -1;
        }
        if (b >= 0) {
            transcript.write(b);
        }
        return b;
    }

    private int need() throws IOException {
        int b = read();
        if (b < 0) {
            throw new EOFException("connection closed in the middle of a response");
        }
        return b;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = need();
            if (b == '\r') {
                if (need() != '\n') {
                    throw new Malformed("bare CR in a response");
                }
                return sb.toString();
            }
            if (b == '\n') {
                throw new Malformed("bare LF line ending in a response");
            }
            if (sb.length() > 64 * 1024) {
                throw new Malformed("response line too long");
            }
            sb.append((char) b);
        }
    }

    /**
     * Reads one response, interim ones included.
     *
     * @param toHead whether it answers a HEAD request (then it has no body)
     * @return the response, or {@code null} when the connection ended before its first byte
     */
    Response read(boolean toHead) throws IOException {
        int first = read();
        if (first < 0) {
            return null;
        }
        StringBuilder statusLine = new StringBuilder();
        int b = first;
        while (b != '\r') {
            if (b == '\n') {
                throw new Malformed("bare LF after the status line");
            }
            statusLine.append((char) b);
            b = need();
        }
        if (need() != '\n') {
            throw new Malformed("bare CR in the status line");
        }
        Matcher m = STATUS_LINE.matcher(statusLine);
        if (!m.matches()) {
            throw new Malformed("not an HTTP/1.1 status line: '" + statusLine + "'");
        }
        int status = Integer.parseInt(m.group(1));
        List<Field> headers = fields();
        List<String> te = new ArrayList<>();
        List<String> cl = new ArrayList<>();
        for (Field f : headers) {
            if (f.name().equalsIgnoreCase("transfer-encoding")) {
                te.add(f.value());
            } else if (f.name().equalsIgnoreCase("content-length")) {
                cl.add(f.value());
            }
        }
        if ((status < 200 || status == 204) && (!te.isEmpty() || !cl.isEmpty())) {
            throw new Malformed(status + " response with framing fields: Content-Length " + cl
                    + ", Transfer-Encoding " + te);
        }
        if (!te.isEmpty() && !cl.isEmpty()) {
            throw new Malformed("response with both Content-Length and Transfer-Encoding");
        }
        if (cl.size() > 1) {
            throw new Malformed("response with " + cl.size() + " Content-Length fields: " + cl);
        }
        if (!cl.isEmpty() && !cl.get(0).matches("[0-9]{1,12}")) {
            throw new Malformed("bad Content-Length " + cl.get(0));
        }
        if (status < 200 || status == 204 || status == 304 || toHead) {
            return new Response(status, headers, new byte[0], List.of(), Framing.NONE);
        }
        if (!te.isEmpty()) {
            if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                throw new Malformed("Transfer-Encoding other than one 'chunked': " + te);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            List<Field> trailers = chunks(body);
            return new Response(status, headers, body.toByteArray(), trailers, Framing.CHUNKED);
        }
        if (!cl.isEmpty()) {
            int length = Integer.parseInt(cl.get(0));
            byte[] body = new byte[length];
            for (int i = 0; i < length; i++) {
                body[i] = (byte) need();
            }
            return new Response(status, headers, body, List.of(), Framing.LENGTH);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int c; (c = read()) >= 0; ) {
            body.write(c);
        }
        return new Response(status, headers, body.toByteArray(), List.of(), Framing.CLOSE);
    }

    /** Reads responses until a final one; the interim ones go to {@code interim}. */
    Response readFinal(boolean toHead, List<Response> interim) throws IOException {
        while (true) {
            Response r = read(toHead);
            if (r == null || r.status() >= 200 || r.status() == 101) {
                return r;
            }
            interim.add(r);
        }
    }

    private List<Field> fields() throws IOException {
        List<Field> fields = new ArrayList<>();
        for (String line; !(line = line()).isEmpty(); ) {
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new Malformed("obs-fold in a response: '" + line + "'");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
                throw new Malformed("bad response field line '" + line + "'");
            }
            String value = line.substring(colon + 1).strip();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw new Malformed("control character in response field '" + line + "'");
                }
            }
            fields.add(new Field(line.substring(0, colon), value));
        }
        return fields;
    }

    private List<Field> chunks(ByteArrayOutputStream body) throws IOException {
        while (true) {
            String sizeLine = line();
            Matcher m = CHUNK_SIZE.matcher(sizeLine);
            if (!m.matches()) {
                throw new Malformed("bad chunk size line '" + sizeLine + "'");
            }
            long size = Long.parseLong(m.group(1), 16);
            if (size == 0) {
                return fields();
            }
            for (long i = 0; i < size; i++) {
                body.write(need());
            }
            if (need() != '\r' || need() != '\n') {
                throw new Malformed("chunk data not followed by CRLF");
            }
        }
    }

    /**
     * Reads to the end of the stream.
     *
     * @return the bytes that came before it (empty when the server simply closed)
     */
    byte[] readToEnd() throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        for (int c; (c = read()) >= 0; ) {
            rest.write(c);
        }
        return rest.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
