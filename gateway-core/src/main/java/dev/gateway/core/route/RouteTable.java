package dev.gateway.core.route;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the route of a normalised path. Templates are compiled into a tree of segments: literal
 * children are tried before the parameter child, and a match walks the path in place (no split, no
 * regex, no allocation).
 */
public final class RouteTable {
    private final Node root = new Node();

    public RouteTable(List<Route> routes) {
        for (Route r : routes) {
            Node n = root;
            for (String seg : segments(r.template())) {
                n = seg.startsWith("{") && seg.endsWith("}") ? n.paramChild() : n.literalChild(seg);
            }
            if (n.route != null) {
                throw new IllegalArgumentException("two routes for template " + r.template());
            }
            n.route = r;
        }
    }

    /** @return the route whose template matches the path, or {@code null} (404) */
    public Route match(String path) {
        return match(root, path, 1);
    }

    private static Route match(Node node, String path, int from) {
        if (from > path.length()) {
            return node.route;
        }
        int slash = path.indexOf('/', from);
        int end = slash < 0 ? path.length() : slash;
        int next = end + 1;
        for (Node child : node.literals) {
            String lit = child.literal;
            if (lit.length() == end - from && path.regionMatches(from, lit, 0, lit.length())) {
                Route r = match(child, path, next);
                if (r != null) {
                    return r;
                }
            }
        }
        if (node.param != null && end > from) { // a parameter never matches an empty segment
            return match(node.param, path, next);
        }
        return null;
    }

    static List<String> segments(String template) {
        List<String> out = new ArrayList<>();
        int from = 1;
        while (from <= template.length()) {
            int slash = template.indexOf('/', from);
            int end = slash < 0 ? template.length() : slash;
            out.add(template.substring(from, end));
            from = end + 1;
        }
        return out;
    }

    private static final class Node {
        final String literal;
        final List<Node> literals = new ArrayList<>(2);
        Node param;
        Route route;

        Node() {
            this(null);
        }

        Node(String literal) {
            this.literal = literal;
        }

        Node literalChild(String seg) {
            for (Node c : literals) {
                if (c.literal.equals(seg)) {
                    return c;
                }
            }
            Node c = new Node(seg);
            literals.add(c);
            return c;
        }

        Node paramChild() {
            if (param == null) {
                param = new Node();
            }
            return param;
        }
    }
}
