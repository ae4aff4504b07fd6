package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) scraping one target every
 * second, queried over its HTTP API. {@code .ci/run} installs the package.
 */
public final class PrometheusServer implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/prometheus");

    private final Process process;
    private final int port;
    private final Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    private PrometheusServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Starts Prometheus scraping {@code target} ("host:port") and waits until it is ready. */
    public static PrometheusServer start(String target) throws IOException, InterruptedException {
        return startWithConfig("""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: ebpf-agent
                    static_configs:
                      - targets: ['%s']
                """.formatted(target));
    }

    /** Starts Prometheus with {@code yaml} as its configuration file and waits until it is ready. */
    public static PrometheusServer startWithConfig(String yaml) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("prometheus");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, yaml);
        int port = freePort();
        Process p = new ProcessBuilder(BINARY.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        PrometheusServer server = new PrometheusServer(p, port, dir);
        server.awaitReady();
        return server;
    }

    private void awaitReady() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IOException("prometheus not ready after 30 s");
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    /** An instant query; returns the {@code data.result} vector (maps with metric and value). */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> query(String promql) throws IOException, InterruptedException {
        URI uri = URI.create(base() + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Object> body = (Map<String, Object>) Json.parse(r.body());
        if (!"success".equals(body.get("status"))) {
            throw new IOException("prometheus query failed: " + r.body());
        }
        return (List<Map<String, Object>>) ((Map<String, Object>) body.get("data")).get("result");
    }

    /** Whether the scrape target is up (the last scrape succeeded). */
    public boolean targetUp() throws IOException, InterruptedException {
        List<Map<String, Object>> up = query("up{job=\"ebpf-agent\"}");
        return !up.isEmpty() && "1".equals(value(up.getFirst()));
    }

    /** The sample value of one vector element, as Prometheus prints it. */
    @SuppressWarnings("unchecked")
    public static String value(Map<String, Object> element) {
        return (String) ((List<Object>) element.get("value")).get(1);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, String> labels(Map<String, Object> element) {
        return (Map<String, String>) element.get("metric");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
