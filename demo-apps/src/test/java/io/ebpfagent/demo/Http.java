package io.ebpfagent.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real HTTP client for the tests plus field extraction from the service's flat JSON. */
final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    record Response(int status, String body, long millis) {
        String string(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(body);
            if (!m.find()) {
                throw new AssertionError("no string field " + key + " in " + body);
            }
            return m.group(1);
        }

        double number(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(-?[0-9.]+)").matcher(body);
            if (!m.find()) {
                throw new AssertionError("no number field " + key + " in " + body);
            }
            return Double.parseDouble(m.group(1));
        }

        long integer(String key) {
            return (long) number(key);
        }

        boolean bool(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(true|false)").matcher(body);
            if (!m.find()) {
                throw new AssertionError("no boolean field " + key + " in " + body);
            }
            return Boolean.parseBoolean(m.group(1));
        }
    }

    private Http() {
    }

    static Response get(int port, String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(60))
                .build();
        long start = System.nanoTime();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body(), (System.nanoTime() - start) / 1_000_000);
    }

    /** The count under "requests" in a /stats body, 0 when absent. */
    static long requestsServed(Response stats, String path) {
        Matcher m = Pattern.compile("\"requests\":\\{[^}]*\"" + Pattern.quote(path) + "\":(\\d+)").matcher(stats.body());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
