package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.demo.LoadGenerator;
import io.ebpfagent.demo.LoadOptions;
import io.ebpfagent.demo.LoadReport;
import io.ebpfagent.demo.shop.ShopService;
import io.ebpfagent.e2e.correlation.JettyDeployment;
import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.BackendDocs;
import io.ebpfagent.e2e.support.ChildOutput;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.PrometheusServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * docs/backends/prometheus-grafana.md works as written: the demo shop runs under the OpenTelemetry
 * Java agent and the ebpf-agent with the page's agent configuration (only the port changed), a
 * real Prometheus server starts with the page's scrape configuration (only the interval shortened
 * and the target pointed at the agent's port), and every PromQL query of the page and of grafana-dashboard.json returns data while the
 * shop is under load. A renamed metric or label fails here.
 */
class BackendDocsIT {
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration DATA = Duration.ofSeconds(150);

    @Test
    void documentedScrapeConfigAndQueriesWorkAgainstTheAgent() throws Exception {
        Assumptions.assumeTrue(PrometheusServer.installed(), "the prometheus package is not installed");
        int agentPort = PrometheusServer.freePort();
        String documented = BackendDocs.agentConfig();
        assertThat(documented).contains("port: 9464");
        Path config = AgentJvm.writeConfig(documented.replace("port: 9464", "port: " + agentPort));
        Path journal = Files.createTempDirectory(Path.of("/var/tmp"), "backend-docs");
        List<String> args = new ArrayList<>(List.of("-Xmx128m",
                "-javaagent:" + JettyDeployment.otelJavaagentJar(),
                AgentJvm.javaagent(AgentJvm.agentJar(), config),
                "--enable-native-access=ALL-UNNAMED",
                "-Dotel.service.name=demo-shop",
                "-Dotel.traces.exporter=none", "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none",
                "-cp", shopClassPath(), ShopService.class.getName(), "--port=0", "--journal=" + journal));
        try (JavaProcess shop = JavaProcess.start("shop", args, Map.of())) {
            ChildOutput.onFailure(shop, () -> check(shop, agentPort));
        } finally {
            try (var files = Files.walk(journal)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void check(JavaProcess shop, int agentPort) throws Exception {
        int port = Integer.parseInt(shop.await(ShopService.READY_LINE + "(\\d+)", START).group(1));
        shop.await("kernel probes running: ", START);

        String scrape = BackendDocs.scrapeConfig();
        assertThat(scrape).contains("scrape_interval: 15s", "'localhost:9464'");
        String yaml = scrape.replace("scrape_interval: 15s", "scrape_interval: 1s")
                .replace("'localhost:9464'", "'127.0.0.1:" + agentPort + "'");

        List<String> queries = new ArrayList<>(BackendDocs.pageQueries());
        BackendDocs.dashboardQueries().forEach(q -> queries.add(q.replace("$__rate_interval", "1m")));
        assertThat(queries).as("documented queries").hasSizeGreaterThanOrEqualTo(10);

        CompletableFuture<LoadReport> load = CompletableFuture.supplyAsync(() -> {
            try {
                return LoadGenerator.run(LoadOptions.parse(new String[] {"--url=http://127.0.0.1:" + port,
                        "--duration=" + DATA.toSeconds() + "s", "--concurrency=4",
                        "--mix=/checkout:4,/search:2,/orders:1", "--timeout=60s"}));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try (PrometheusServer prometheus = PrometheusServer.startWithConfig(yaml)) {
            Map<String, Integer> series = new LinkedHashMap<>();
            long deadline = System.nanoTime() + DATA.toNanos();
            while (true) {
                for (String q : queries) {
                    if (series.getOrDefault(q, 0) == 0) {
                        series.put(q, numericResults(prometheus.query(q)));
                    }
                }
                if (!series.containsValue(0) || System.nanoTime() > deadline || load.isDone()) {
                    break;
                }
                Thread.sleep(3000);
            }
            assertThat(prometheus.targetUp()).as("the documented scrape job reaches the agent").isTrue();
            assertThat(series).as("documented queries without data (series per query)").allSatisfy(
                    (q, n) -> assertThat(n).as(q).isPositive());
            // the point of the page: the lock wait of the contended checkout shows per route
            List<Map<String, Object>> lock = prometheus.query(BackendDocs.pageQueries().getFirst());
            assertThat(lock).anySatisfy(e -> {
                assertThat(PrometheusServer.labels(e)).containsEntry("http_route", "/checkout");
                assertThat(Double.parseDouble(PrometheusServer.value(e))).isPositive();
            });
        } finally {
            load.cancel(true);
        }
    }

    /** How many elements have a finite value (NaN: a quantile over no observations). */
    private static int numericResults(List<Map<String, Object>> result) {
        int n = 0;
        for (Map<String, Object> e : result) {
            double v = Double.parseDouble(PrometheusServer.value(e).replace("+Inf", "Infinity"));
            if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                n++;
            }
        }
        return n;
    }

    /** demo-apps.jar and its dependencies, as the build wrote them (the shop's class path). */
    static String shopClassPath() throws java.io.IOException {
        Path cp = JavaProcess.repoRoot().resolve("demo-apps/target/demo-classpath.txt");
        assertThat(cp).as("build first (mvn -DskipTests package)").isRegularFile();
        return AgentJvm.demoJar() + java.io.File.pathSeparator + Files.readString(cp).strip();
    }
}
