package dev.gateway.it;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the spans out of an OTLP/HTTP export ({@code ExportTraceServiceRequest} in protobuf), with just
 * enough of the wire format for the fields the tests look at. Field numbers are those of
 * opentelemetry-proto's trace.proto, common.proto and resource.proto.
 */
final class OtlpSpans {
    static final int KIND_SERVER = 2;
    static final int KIND_CLIENT = 3;
    static final int STATUS_ERROR = 2;

    /** One span; attribute values are strings, longs, doubles or booleans. */
    record Span(String traceId, String spanId, String parentSpanId, String name, int kind,
            Map<String, Object> attributes, int statusCode, Map<String, Object> resource) {
    }

    private OtlpSpans() {
    }

    static List<Span> decode(byte[] export) {
        List<Span> out = new ArrayList<>();
        Reader request = new Reader(export);
        while (request.next()) {
            if (request.field == 1) { // resource_spans
                Reader rs = request.message();
                Map<String, Object> resource = Map.of();
                List<byte[]> scopeSpans = new ArrayList<>();
                while (rs.next()) {
                    if (rs.field == 1) { // resource
                        resource = attributes(rs.message(), 1);
                    } else if (rs.field == 2) { // scope_spans
                        scopeSpans.add(rs.bytes());
                    } else {
                        rs.skip();
                    }
                }
                for (byte[] ss : scopeSpans) {
                    Reader scope = new Reader(ss);
                    while (scope.next()) {
                        if (scope.field == 2) { // spans
                            out.add(span(scope.message(), resource));
                        } else {
                            scope.skip();
                        }
                    }
                }
            } else {
                request.skip();
            }
        }
        return out;
    }

    private static Span span(Reader r, Map<String, Object> resource) {
        String traceId = "";
        String spanId = "";
        String parent = "";
        String name = "";
        int kind = 0;
        int status = 0;
        Map<String, Object> attrs = new LinkedHashMap<>();
        while (r.next()) {
            switch (r.field) {
                case 1 -> traceId = HexFormat.of().formatHex(r.bytes());
                case 2 -> spanId = HexFormat.of().formatHex(r.bytes());
                case 4 -> parent = HexFormat.of().formatHex(r.bytes());
                case 5 -> name = new String(r.bytes(), StandardCharsets.UTF_8);
                case 6 -> kind = (int) r.varint();
                case 9 -> {
                    Map.Entry<String, Object> kv = keyValue(r.message());
                    attrs.put(kv.getKey(), kv.getValue());
                }
                case 15 -> {
                    Reader s = r.message();
                    while (s.next()) {
                        if (s.field == 3) {
                            status = (int) s.varint();
                        } else {
                            s.skip();
                        }
                    }
                }
                default -> r.skip();
            }
        }
        return new Span(traceId, spanId, parent, name, kind, attrs, status, resource);
    }

    private static Map<String, Object> attributes(Reader r, int field) {
        Map<String, Object> out = new LinkedHashMap<>();
        while (r.next()) {
            if (r.field == field) {
                Map.Entry<String, Object> kv = keyValue(r.message());
                out.put(kv.getKey(), kv.getValue());
            } else {
                r.skip();
            }
        }
        return out;
    }

    private static Map.Entry<String, Object> keyValue(Reader r) {
        String key = null;
        Object value = null;
        while (r.next()) {
            if (r.field == 1) {
                key = new String(r.bytes(), StandardCharsets.UTF_8);
            } else if (r.field == 2) {
                Reader any = r.message();
                while (any.next()) {
                    switch (any.field) {
                        case 1 -> value = new String(any.bytes(), StandardCharsets.UTF_8);
                        case 2 -> value = any.varint() != 0;
                        case 3 -> value = any.varint();
                        case 4 -> value = Double.longBitsToDouble(any.fixed64());
                        default -> any.skip();
                    }
                }
            } else {
                r.skip();
            }
        }
        return Map.entry(key, value);
    }

    /** Protobuf wire format: a field's number and type, then its value. */
    private static final class Reader {
        private final ByteBuffer buf;
        int field;
        int wireType;

        Reader(byte[] bytes) {
            buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        boolean next() {
            if (!buf.hasRemaining()) {
                return false;
            }
            long tag = varint();
            field = (int) (tag >>> 3);
            wireType = (int) (tag & 7);
            return true;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                byte b = buf.get();
                v |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return v;
                }
            }
        }

        long fixed64() {
            return buf.getLong();
        }

        byte[] bytes() {
            byte[] b = new byte[(int) varint()];
            buf.get(b);
            return b;
        }

        Reader message() {
            return new Reader(bytes());
        }

        void skip() {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> buf.position(buf.position() + 8);
                case 2 -> bytes();
                case 5 -> buf.position(buf.position() + 4);
                default -> throw new IllegalStateException("wire type " + wireType);
            }
        }
    }
}
