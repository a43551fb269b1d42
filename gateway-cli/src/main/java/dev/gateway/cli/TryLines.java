package dev.gateway.cli;

import dev.gateway.core.config.AuthConfig;
import dev.gateway.core.config.AuthConfig.ApiKey;
import dev.gateway.core.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The curl lines a gateway in demo mode prints on stderr once it listens, made from the running
 * configuration so that each one works: the real listener and admin ports (and hosts, but for a wildcard,
 * which becomes {@code localhost}), the API key line only while the demo API key is configured with the
 * scope it needs, the JWT lines only while a token from the demo key is accepted (its key id with the demo
 * secret, its issuer, an audience that matches or none).
 */
final class TryLines {
    static final String TRADE = "/v1/trades/trd_abcdefghij0123456789";
    static final String ORDER = "{\"clientOrderId\":\"ord-1\",\"accountId\":\"ACC-00012345\",\"symbol\":\"AAPL\","
            + "\"side\":\"BUY\",\"type\":\"LIMIT\",\"quantity\":100,\"limitPrice\":189.25}";
    static final String EVENTS = "/v1/tasks/tsk_abcdefghij0123456789/events";

    private TryLines() {
    }

    /**
     * @param running the configuration the gateway runs
     * @param port the public listener's bound port
     * @param adminPort the admin listener's bound port
     * @param tokenCommand how the reader mints a token with the demo key ({@code scripts/token})
     * @return the lines, each ending with a newline
     */
    static String of(GatewayConfig running, int port, int adminPort, String tokenCommand) {
        // curl reads a bare host:port as http://; with TLS the scheme must be said.
        String at = (running.listener().tls() != null ? "https://" : "") + address(running.listener().host(), port);
        String admin = address(running.admin().host(), adminPort);
        boolean apiKey = acceptsDemoApiKey(running.auth());
        boolean jwt = acceptsDemoTokens(running.auth(), DemoGateway.demoConfig().auth());
        List<String> lines = new ArrayList<>();
        lines.add("gateway: listening on " + at + " (admin " + admin + "), demo configuration. From another terminal"
                + (apiKey || jwt ? " (demo credentials: local use only):" : ":"));
        if (apiKey) {
            lines.add("  curl -s " + at + TRADE + " -H 'X-API-Key: " + DemoGateway.DEMO_API_KEY + "'");
            if (running.listener().http2() != null) {
                // Over TLS curl offers h2 by ALPN; in cleartext it must be told the listener speaks it.
                lines.add("  curl -s " + (running.listener().tls() != null ? "--http2 " : "--http2-prior-knowledge ")
                        + at + TRADE + " -H 'X-API-Key: " + DemoGateway.DEMO_API_KEY + "'    # the same over HTTP/2");
            }
        }
        if (jwt) {
            lines.add("  curl -s -X POST " + at + "/v1/trades -H \"Authorization: Bearer $(" + tokenCommand + ")\""
                    + " -H 'Content-Type: application/json' -d '" + ORDER + "'");
            lines.add("  curl -sN " + at + EVENTS + " -H \"Authorization: Bearer $(" + tokenCommand
                    + " --scopes tasks:read)\"");
        }
        if (!apiKey && !jwt) {
            lines.add("The demo API key and JWT key are not in effect (the configuration removed or replaced them):");
            lines.add("  curl -s " + at + TRADE + "    # 401 without credentials");
        }
        lines.add("  curl -s " + admin + "/readyz    # 200 once the warm-up is over");
        long drain = running.shutdown().drainDelay().toMillis();
        lines.add("Stop with Ctrl-C (it drains as on SIGTERM: " + (drain % 1000 == 0 ? drain / 1000 + " s" : drain + " ms")
                + " before the listener closes, then requests in flight finish).");
        return String.join("\n", lines) + "\n";
    }

    /** {@code host:port} as curl takes it: a wildcard address becomes {@code localhost}, IPv6 in brackets. */
    static String address(String host, int port) {
        String h = host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")
                ? "localhost" : host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    /** The demo API key is configured, under any name, with the scope the trade line needs. */
    static boolean acceptsDemoApiKey(AuthConfig auth) {
        byte[] demo = sha256(DemoGateway.DEMO_API_KEY);
        for (ApiKey k : auth.apiKeys().values()) {
            if (MessageDigest.isEqual(k.sha256(), demo) && k.scopes().contains("trades:read")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A token minted with the demo configuration's first key (what the token command does by default) is
     * accepted: its key id holds the same secret, its issuer is accepted, and the audience is the demo's or
     * not checked.
     */
    static boolean acceptsDemoTokens(AuthConfig running, AuthConfig demo) {
        var key = demo.hmacKeys().entrySet().iterator().next();
        byte[] secret = running.hmacKeys().get(key.getKey());
        return secret != null && Arrays.equals(secret, key.getValue())
                && running.issuers().contains(demo.issuers().get(0))
                && (running.audience() == null || running.audience().equals(demo.audience()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
