package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** GET requests to a child JVM's HTTP endpoints; anything but 200 is a test failure. */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    // The machine is shared and loaded: a request that normally takes 200 ms may take far longer.
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private Http() {
    }

    /** The body of {@code GET http://127.0.0.1:<port><pathAndQuery>}. */
    public static String get(int port, String pathAndQuery) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + port + pathAndQuery);
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + uri + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** The body of a GET, parsed as a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> getJson(int port, String pathAndQuery) throws IOException, InterruptedException {
        return (Map<String, Object>) Json.parse(get(port, pathAndQuery));
    }
}
