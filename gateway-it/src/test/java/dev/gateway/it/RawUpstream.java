package dev.gateway.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scriptable upstream over plain TCP, for tests of framing. Each accepted connection gets a thread that
 * reads one request at a time with a minimal, strict HTTP/1.1 request parser (request line, header fields,
 * then a body framed by {@code Content-Length} or by chunks with trailers), records it byte for byte with
 * the ordinal of the connection it came on, and answers with raw bytes chosen by {@link #script} (or a
 * one-shot reply registered for the request's target with {@link #answer}).
 *
 * <p>Nothing is forgiven: a request that does not parse strictly is recorded with its {@link
 * Request#problem() problem} and the bytes read so far, answered with a 400 and {@code Connection: close},
 * and everything that arrives after it until the connection closes is recorded as a second, unparsed
 * request. So a request smuggled behind another one shows either as its own recorded request or as
 * garbage; it never goes unseen.
 */
final class RawUpstream implements AutoCloseable {
    /** Longest request head this upstream reads. */
    private static final int MAX_HEAD = 64 * 1024;
    /** Longest body this upstream reads. */
    private static final int MAX_BODY = 16 << 20;
    /** How long to keep reading the garbage after an unparseable request when the gateway does not close. */
    private static final int GARBAGE_READ_MILLIS = 2_000;
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern REQUEST_LINE =
            Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\\x21-\\x7e]+) (HTTP/[0-9]\\.[0-9])");
    private static final String TCHARS = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    /** A chunk size and its extensions ({@code ;name} or {@code ;name=value}, BWS allowed around them). */
    private static final Pattern CHUNK_SIZE = Pattern.compile("([0-9A-Fa-f]{1,15})((?:[ \\t]*;[ \\t]*" + TCHARS
            + "(?:[ \\t]*=[ \\t]*(?:" + TCHARS + "|\"[^\"]*\"))?)*)");
    private static final String BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n";

    /** How a recorded request's body was framed. */
    enum Framing {
        NONE, LENGTH, CHUNKED,
        /** The request did not parse: see {@link Request#problem()}. */
        UNPARSED
    }

    /** What to do with a connection once a reply is written. */
    enum After {
        KEEP_OPEN, CLOSE
    }

    /** One header or trailer field, as it was on the wire (name case kept, value without surrounding OWS). */
    record Field(String name, String value) {
        @Override
        public String toString() {
            return name + ": " + value;
        }
    }

    /**
     * One request as it arrived.
     *
     * @param connection the ordinal of the connection it came on (1 for the first accepted)
     * @param seq its ordinal among every request recorded by this upstream (from 1)
     * @param raw the exact bytes of the request (for an unparsed one: the bytes read before the problem)
     * @param headers the header fields in order; {@code trailers} likewise
     * @param problem {@code null} when the request parsed; otherwise why it did not
     * @param arrivedNanos when its first byte was read ({@link System#nanoTime})
     * @param followed whether more bytes were already waiting on the connection when it had been read
     *     whole (before it was answered): the sender did not wait for the answer
     */
    record Request(int connection, int seq, byte[] raw, String method, String target, String version,
            List<Field> headers, byte[] body, List<Field> trailers, Framing framing, String problem,
            long arrivedNanos, boolean followed) {
        boolean parsed() {
            return problem == null;
        }

        /** Every value of the fields called {@code name} (case-insensitive), in order. */
        List<String> all(String name) {
            List<String> values = new ArrayList<>();
            for (Field f : headers) {
                if (f.name().equalsIgnoreCase(name)) {
                    values.add(f.value());
                }
            }
            return values;
        }

        /** The value of the one field called {@code name}, or {@code null}; fails when there are several. */
        String only(String name) {
            List<String> values = all(name);
            if (values.size() > 1) {
                throw new AssertionError("upstream request has " + values.size() + " '" + name + "' fields: "
                        + values + "\n" + this);
            }
            return values.isEmpty() ? null : values.get(0);
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return "#" + seq + " on upstream connection " + connection
                    + (problem == null ? "" : " (UNPARSED: " + problem + ")") + ": " + escape(raw);
        }
    }

    /** Bytes to answer with, and what to do with the connection afterwards. */
    record Reply(byte[] bytes, After after) {
        static Reply of(String latin1, After after) {
            return new Reply(latin1.getBytes(StandardCharsets.ISO_8859_1), after);
        }
    }

    /** Connections accepted so far (health checks included). */
    final AtomicInteger connections = new AtomicInteger();
    /** Every request recorded, in the order they were recorded. */
    final BlockingQueue<Request> received = new LinkedBlockingQueue<>();
    /** Answers a request that has no one-shot reply registered; {@link #defaultReply} unless a test says. */
    volatile Function<Request, Reply> script = RawUpstream::defaultReply;

    private final Map<String, Reply> oneShot = new ConcurrentHashMap<>();
    /** When each request's reply was written, by {@link Request#seq()}. */
    private final Map<Integer, Long> replied = new ConcurrentHashMap<>();
    /** Every connection accepted, by ordinal; {@code open} only those not closed yet. */
    private final Map<Integer, Conn> all = new ConcurrentHashMap<>();
    private final Map<Integer, Conn> open = new ConcurrentHashMap<>();
    private final AtomicInteger seq = new AtomicInteger();
    private final ServerSocket server;
    private final Thread acceptor;
    /** Connections in the middle of a request (bytes read, not yet recorded). Guarded by {@code this}. */
    private int busy;

    RawUpstream() throws IOException {
        server = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        acceptor = new Thread(this::acceptLoop, "raw-upstream-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String endpoint() {
        return "127.0.0.1:" + port();
    }

    /** The next request whose target is {@code target} gets {@code reply} instead of the script's answer. */
    void answer(String target, Reply reply) {
        oneShot.put(target, reply);
    }

    /**
     * When the reply to {@code r} began to be written ({@link System#nanoTime}), or {@link Long#MAX_VALUE}
     * when it has not been.
     */
    long repliedNanos(Request r) {
        return replied.getOrDefault(r.seq(), Long.MAX_VALUE);
    }

    /** Forgets one-shot replies not used. */
    void resetScript() {
        oneShot.clear();
        script = RawUpstream::defaultReply;
    }

    /**
     * The default answer: 200 with {@code Content-Length} and a JSON body naming the request, so that an
     * answer relayed to the wrong client request shows. Keeps the connection open.
     */
    static Reply defaultReply(Request r) {
        String body = defaultBody(r);
        String head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\n\r\n";
        return Reply.of("HEAD".equals(r.method()) ? head : head + body, After.KEEP_OPEN);
    }

    /** The body of {@link #defaultReply} for {@code r}. */
    static String defaultBody(Request r) {
        return "{\"conn\":" + r.connection() + ",\"seq\":" + r.seq() + ",\"target\":\""
                + (r.target() == null ? "" : r.target().replace("\\", "\\\\").replace("\"", "\\\"")) + "\"}";
    }

    /** Writes {@code bytes} on connection {@code ordinal} now, whatever it is doing (an unsolicited answer). */
    void send(int ordinal, byte[] bytes) throws IOException {
        Conn c = open.get(ordinal);
        if (c == null) {
            throw new IllegalStateException("upstream connection " + ordinal + " is not open");
        }
        c.write(bytes);
    }

    /**
     * Waits until connection {@code ordinal} is closed (by the gateway, or by this upstream after a
     * {@link After#CLOSE} reply).
     *
     * @return whether it closed within {@code within}
     */
    boolean awaitClosed(int ordinal, Duration within) throws InterruptedException {
        Conn c = all.get(ordinal);
        if (c == null) {
            throw new IllegalArgumentException("no upstream connection " + ordinal);
        }
        return c.closed.await(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether this upstream itself closed connection {@code ordinal} (after an {@link After#CLOSE} reply). */
    boolean closedByUs(int ordinal) {
        Conn c = all.get(ordinal);
        return c != null && c.closedByUs;
    }

    /**
     * Waits until no connection is in the middle of a request: everything that arrived has been recorded.
     *
     * @return whether that happened within {@code within}
     */
    synchronized boolean awaitQuiet(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (busy > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    private synchronized void busy(int delta) {
        busy += delta;
        if (busy == 0) {
            notifyAll();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            int ordinal = connections.incrementAndGet();
            Conn c = new Conn(ordinal, s);
            all.put(ordinal, c);
            open.put(ordinal, c);
            Thread t = new Thread(c, "raw-upstream-" + ordinal);
            t.setDaemon(true);
            t.start();
        }
    }

    private void record(Request r) {
        received.add(r);
    }

    /** A request that did not parse strictly. */
    private static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** The connection closed in the middle of a request. */
    private static final class Truncated extends Exception {
        Truncated() {
            super("connection closed in the middle of a request", null, false, false);
        }
    }

    private final class Conn implements Runnable {
        final int ordinal;
        final Socket socket;
        final CountDownLatch closed = new CountDownLatch(1);
        volatile boolean closedByUs;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        private InputStream in;
        private OutputStream out;
        /** The bytes of the request being read, and when its first byte was. */
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();
        private long arrived;

        Conn(int ordinal, Socket socket) {
            this.ordinal = ordinal;
            this.socket = socket;
        }

        synchronized void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        @Override
        public void run() {
            try {
                socket.setTcpNoDelay(true);
                in = socket.getInputStream();
                out = socket.getOutputStream();
                while (true) {
                    if (!fill()) {
                        return; // closed between requests
                    }
                    busy(1);
                    current.reset();
                    arrived = System.nanoTime();
                    Request r;
                    try {
                        r = readRequest();
                    } catch (Truncated t) {
                        record(unparsed(t.getMessage()));
                        busy(-1);
                        return;
                    } catch (Malformed m) {
                        record(unparsed(m.getMessage()));
                        onGarbage();
                        busy(-1);
                        return;
                    }
                    record(r);
                    busy(-1);
                    Reply reply = oneShot.remove(r.target() == null ? "" : r.target());
                    if (reply == null) {
                        reply = script.apply(r);
                    }
                    if (reply != null) {
                        replied.put(r.seq(), System.nanoTime()); // before: nothing can react to it sooner
                        write(reply.bytes());
                        if (reply.after() == After.CLOSE) {
                            closedByUs = true;
                            return;
                        }
                    }
                }
            } catch (IOException e) {
                // reset by the gateway, or closed by close(): nothing more to read
            } finally {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                open.remove(ordinal);
                closed.countDown();
            }
        }

        /** After an unparseable request: answer 400 and record whatever else arrives as garbage. */
        private void onGarbage() {
            current.reset();
            current.write(buf, pos, lim - pos);
            pos = lim;
            try {
                write(BAD_REQUEST.getBytes(StandardCharsets.ISO_8859_1));
                socket.setSoTimeout(GARBAGE_READ_MILLIS);
                for (int n; (n = in.read(buf)) > 0; ) {
                    current.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // the gateway kept the connection open: what came so far is the garbage
            } catch (IOException e) {
                // reset: what came so far is the garbage
            }
            if (current.size() > 0) {
                record(unparsed("bytes after an unparseable request"));
            }
        }

        private Request unparsed(String problem) {
            return new Request(ordinal, seq.incrementAndGet(), current.toByteArray(), null, null, null, List.of(),
                    new byte[0], List.of(), Framing.UNPARSED, problem, arrived, false);
        }

        /** Whether there is a byte to read; blocks. */
        private boolean fill() throws IOException {
            if (pos < lim) {
                return true;
            }
            int n;
            try {
                n = in.read(buf);
            } catch (SocketException e) {
                return false;
            }
            if (n <= 0) {
                return false;
            }
            pos = 0;
            lim = n;
            return true;
        }

        private int next() throws IOException, Truncated {
            if (!fill()) {
                throw new Truncated();
            }
            int b = buf[pos++] & 0xff;
            current.write(b);
            return b;
        }

        /** One line ending in CRLF, without it; a bare CR or LF is malformed. */
        private String line(int[] budget) throws IOException, Truncated, Malformed {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int b = next();
                if (--budget[0] < 0) {
                    throw new Malformed("request head too large");
                }
                if (b == '\r') {
                    if (next() != '\n') {
                        throw new Malformed("bare CR");
                    }
                    return sb.toString();
                }
                if (b == '\n') {
                    throw new Malformed("bare LF line ending");
                }
                sb.append((char) b);
            }
        }

        private Request readRequest() throws IOException, Truncated, Malformed {
            int[] budget = {MAX_HEAD};
            String requestLine = line(budget);
            Matcher m = REQUEST_LINE.matcher(requestLine);
            if (!m.matches()) {
                throw new Malformed("bad request line '" + requestLine + "'");
            }
            List<Field> headers = fields(budget);
            String method = m.group(1);
            String target = m.group(2);
            String version = m.group(3);

            List<String> te = new ArrayList<>();
            List<String> cl = new ArrayList<>();
            for (Field f : headers) {
                if (f.name().equalsIgnoreCase("transfer-encoding")) {
                    te.add(f.value());
                } else if (f.name().equalsIgnoreCase("content-length")) {
                    cl.add(f.value());
                }
            }
            Framing framing = Framing.NONE;
            byte[] body = new byte[0];
            List<Field> trailers = List.of();
            if (!te.isEmpty()) {
                if (!cl.isEmpty()) {
                    throw new Malformed("both Content-Length and Transfer-Encoding");
                }
                if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                    throw new Malformed("Transfer-Encoding other than one 'chunked': " + te);
                }
                framing = Framing.CHUNKED;
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                trailers = chunks(b, budget);
                body = b.toByteArray();
            } else if (!cl.isEmpty()) {
                if (cl.size() != 1 || !cl.get(0).matches("[0-9]{1,9}")) {
                    throw new Malformed("bad Content-Length " + cl);
                }
                int length = Integer.parseInt(cl.get(0));
                if (length > MAX_BODY) {
                    throw new Malformed("body too large");
                }
                framing = Framing.LENGTH;
                body = new byte[length];
                for (int i = 0; i < length; i++) {
                    body[i] = (byte) next();
                }
            }
            boolean followed = pos < lim || in.available() > 0;
            return new Request(ordinal, seq.incrementAndGet(), current.toByteArray(), method, target, version,
                    List.copyOf(headers), body, List.copyOf(trailers), framing, null, arrived, followed);
        }

        /** Header (or trailer) fields up to the empty line. */
        private List<Field> fields(int[] budget) throws IOException, Truncated, Malformed {
            List<Field> fields = new ArrayList<>();
            for (String line; !(line = line(budget)).isEmpty(); ) {
                if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    throw new Malformed("obs-fold or whitespace at the start of a field line");
                }
                int colon = line.indexOf(':');
                if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
                    throw new Malformed("bad field name in '" + line + "'");
                }
                String value = trimOws(line.substring(colon + 1));
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        throw new Malformed("control character in field value of '" + line + "'");
                    }
                }
                fields.add(new Field(line.substring(0, colon), value));
            }
            return fields;
        }

        private List<Field> chunks(ByteArrayOutputStream body, int[] budget)
                throws IOException, Truncated, Malformed {
            while (true) {
                String sizeLine = line(budget);
                Matcher m = CHUNK_SIZE.matcher(sizeLine);
                if (!m.matches()) {
                    throw new Malformed("bad chunk size line '" + sizeLine + "'");
                }
                long size = Long.parseLong(m.group(1), 16);
                if (size == 0) {
                    return fields(budget);
                }
                if (body.size() + size > MAX_BODY) {
                    throw new Malformed("body too large");
                }
                for (long i = 0; i < size; i++) {
                    body.write(next());
                }
                if (next() != '\r' || next() != '\n') {
                    throw new Malformed("chunk data not followed by CRLF");
                }
            }
        }
    }

    private static String trimOws(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
            b--;
        }
        return s.substring(a, b);
    }

    /** Bytes as Java string syntax: CR, LF, tabs and other control or non-ASCII bytes escaped. */
    static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length + 16);
        for (byte x : bytes) {
            int b = x & 0xff;
            switch (b) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (b < 0x20 || b >= 0x7f) {
                        sb.append(String.format(Locale.ROOT, "\\x%02x", b));
                    } else {
                        sb.append((char) b);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** Closes every open connection (after a failed case, so that nothing it left in the gateway's pool lingers). */
    void closeAll() {
        for (Conn c : open.values()) {
            try {
                c.socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Conn c : open.values()) {
            try {
                c.socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
