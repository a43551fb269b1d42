package dev.gateway.bench;

import dev.gateway.codec.RequestTarget;
import dev.gateway.core.contract.Contract;
import dev.gateway.core.contract.Operation;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.route.RoutedOperation;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The per-request cost of turning a request target into a contract operation. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
    private RouteTable table;

    @Setup
    public void compile() {
        Map<String, List<RoutedOperation>> byTemplate = new LinkedHashMap<>();
        for (Operation op : Contract.bundled().operations()) {
            byTemplate.computeIfAbsent(op.pathTemplate(), t -> new ArrayList<>())
                    .add(new RoutedOperation(op, null, null, null, null));
        }
        List<Route> routes = new ArrayList<>();
        byTemplate.forEach((t, ops) -> routes.add(new Route(t, ops)));
        table = new RouteTable(routes);
    }

    /** The common case: a plain path with a parameter. */
    @Benchmark
    public RoutedOperation matchTradeById() {
        return table.match(RequestTarget.parse("/v1/trades/trd_abcdefghij0123456789").path())
                .operation(HttpMethod.GET);
    }

    /** A deeper template with two parameters and a query. */
    @Benchmark
    public RoutedOperation matchArtifact() {
        return table.match(RequestTarget.parse("/v1/tasks/tsk_abcdefghij0123456789/artifacts/report.csv?x=1").path())
                .operation(HttpMethod.PUT);
    }

    /** A path that needs normalising (escape and dot segment) before it matches. */
    @Benchmark
    public RoutedOperation matchNeedsNormalising() {
        return table.match(RequestTarget.parse("/v1/./trades/%74rd_abcdefghij0123456789").path())
                .operation(HttpMethod.GET);
    }
}
