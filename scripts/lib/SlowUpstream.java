import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An upstream that answers every request after a delay, without holding a thread meanwhile: a shadow
 * target that is slow, for scripts/shadow-impact. Usage: java SlowUpstream.java PORT DELAY_MS
 */
public final class SlowUpstream {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long delay = Long.parseLong(args[1]);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        byte[] body = "{\"slow\":true}".getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            timer.schedule(() -> {
                try {
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                } catch (Exception e) {
                    // the gateway gave up on this copy first: nothing to do
                } finally {
                    exchange.close();
                }
            }, delay, TimeUnit.MILLISECONDS);
        });
        server.start();
        System.out.println("slow upstream on 127.0.0.1:" + port + ", " + delay + " ms");
    }
}
