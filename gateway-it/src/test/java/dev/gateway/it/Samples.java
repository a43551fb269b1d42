package dev.gateway.it;

import dev.gateway.cli.DemoGateway;

/** The value of one series of an in-process gateway, read from its registry (no scrape, no parsing). */
final class Samples {
    private Samples() {
    }

    /**
     * @param labels label names and values, in pairs: {@code "prefix", "/v1/trades", "side", "canary"}
     * @return the sample's value, or 0 when the series has no such sample yet
     */
    static double of(DemoGateway gateway, String name, String... labels) {
        String[] names = new String[labels.length / 2];
        String[] values = new String[labels.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = labels[2 * i];
            values[i] = labels[2 * i + 1];
        }
        Double v = gateway.gateway().metrics().registry().getSampleValue(name, names, values);
        return v == null ? 0 : v;
    }
}
