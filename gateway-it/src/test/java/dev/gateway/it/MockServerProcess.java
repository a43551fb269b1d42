package dev.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * MockServer's standalone jar run as its own process (on our class path its old schema validator clashes
 * with ours), driven over its REST API: expectations in, recorded requests out.
 */
final class MockServerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    final int port;

    private MockServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static MockServerProcess start() throws Exception {
        Path jar = Path.of(System.getProperty("mockserver.jar", "target/mockserver/mockserver.jar"));
        assertTrue(Files.isRegularFile(jar), "the build copies MockServer's jar to " + jar);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx128m", "-jar", jar.toString(), "-serverPort",
                String.valueOf(port), "-logLevel", "WARN").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        MockServerProcess m = new MockServerProcess(p, port);
        Poll.until(Duration.ofSeconds(60), "MockServer answering on " + port, () -> {
            assertTrue(p.isAlive(), "MockServer exited");
            try {
                return m.control("status", "").statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
        return m;
    }

    HttpResponse<String> control(String what, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mockserver/" + what))
                .timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Forgets expectations and recorded requests. */
    void reset() throws Exception {
        assertEquals(200, control("reset", "").statusCode());
    }

    /** Adds an expectation: a request matcher and what to answer ({@code "httpResponse":{…}}). */
    void expect(String request, String answer) throws Exception {
        HttpResponse<String> r = control("expectation", "{\"httpRequest\":" + request + "," + answer + "}");
        assertEquals(201, r.statusCode(), r.body());
    }

    /** The recorded requests matching {@code request}, as MockServer gives them (a JSON array). */
    JsonNode received(String request) throws Exception {
        HttpResponse<String> r = control("retrieve?type=REQUESTS&format=JSON", request);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
