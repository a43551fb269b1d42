package dev.gateway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.codec.ErrorDetail;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.contract.JsonBodies;
import dev.gateway.core.contract.RequestRules;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Contract validation of a JSON body as the gateway does it: parsed in place from pooled direct buffers
 * split the way a socket read splits them ({@code JsonBodies.parse}), then checked against the operation's
 * schema.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ValidationBenchmark {
    static final String TRADE = "{\"clientOrderId\":\"ord-20261124-0001\",\"accountId\":\"ACC-00012345\","
            + "\"symbol\":\"AAPL\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25,"
            + "\"timeInForce\":\"DAY\"}";

    private RequestRules placeTrade;
    private RequestRules placeTradeBatch;
    private CompositeByteBuf trade;
    private CompositeByteBuf batch;

    @Setup(Level.Trial)
    public void setUp() {
        Map<String, RequestRules> rules = Contract.bundled().compileRequestRules(op -> 8L << 20);
        placeTrade = rules.get("placeTrade");
        placeTradeBatch = rules.get("placeTradeBatch");
        trade = split(TRADE, 16 * 1024);
        StringBuilder b = new StringBuilder("{\"orders\":[");
        for (int i = 0; i < 1000; i++) {
            b.append(i == 0 ? "" : ",").append(TRADE.replace("0001", String.format("%04d", i)));
        }
        batch = split(b.append("]}").toString(), 16 * 1024); // the decoder's chunk size
        check(placeTrade, trade);
        check(placeTradeBatch, batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trade.release();
        batch.release();
    }

    /** One {@code placeTrade} body (about 170 bytes). */
    @Benchmark
    public List<ErrorDetail> placeTrade() throws Exception {
        return placeTrade.checkBody(JsonBodies.parse(trade));
    }

    /** The parsing step alone (JSON tree out of the pooled buffers), to tell it from schema checking. */
    @Benchmark
    public JsonNode placeTradeParseOnly() throws Exception {
        return JsonBodies.parse(trade);
    }

    /** A {@code placeTradeBatch} body of 1,000 orders (about 170 KB in 16 KiB buffers). */
    @Benchmark
    public List<ErrorDetail> batchOf1000() throws Exception {
        return placeTradeBatch.checkBody(JsonBodies.parse(batch));
    }

    private static void check(RequestRules rules, CompositeByteBuf body) {
        try {
            JsonNode tree = JsonBodies.parse(body);
            if (!rules.checkBody(tree).isEmpty()) {
                throw new IllegalStateException("benchmark body is not valid: " + rules.checkBody(tree));
            }
        } catch (JsonBodies.MalformedJsonException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompositeByteBuf split(String json, int chunk) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        CompositeByteBuf out = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer(Integer.MAX_VALUE);
        for (int i = 0; i < bytes.length; i += chunk) {
            ByteBuf part = PooledByteBufAllocator.DEFAULT.directBuffer(chunk);
            part.writeBytes(bytes, i, Math.min(chunk, bytes.length - i));
            out.addComponent(true, part);
        }
        return out;
    }
}
