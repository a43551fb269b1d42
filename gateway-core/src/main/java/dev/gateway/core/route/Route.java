package dev.gateway.core.route;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.stream.Collectors;

/** One path template of the contract and what each of its methods leads to. */
public final class Route {
    private final String template;
    private final RoutedOperation[] operations;
    private final String allow;

    public Route(String template, List<RoutedOperation> operations) {
        this.template = template;
        this.operations = operations.toArray(new RoutedOperation[0]);
        this.allow = operations.stream().map(o -> o.operation().method().name()).sorted()
                .collect(Collectors.joining(", "));
    }

    public String template() {
        return template;
    }

    /** @return the operation for this method, or {@code null} (405) */
    public RoutedOperation operation(HttpMethod method) {
        for (RoutedOperation op : operations) {
            if (op.operation().method().equals(method)) {
                return op;
            }
        }
        return null;
    }

    /** The {@code Allow} header of a 405: the contract's methods for this path. */
    public String allow() {
        return allow;
    }
}
