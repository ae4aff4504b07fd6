package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.ChildOutput;
import io.ebpfagent.e2e.support.Http;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.PrometheusServer;
import io.ebpfagent.e2e.support.SignalsDoc;
import io.ebpfagent.otel.testing.OtlpReceiver;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What a running agent exports, against what docs/SIGNALS.md says it exports, on the demo service
 * under the demo's load and configuration (demo-apps/config/demo-agent.yaml's probes): every
 * metric with its unit and attribute keys and every kernel span with its attribute keys must be
 * in the document (received over OTLP); the Prometheus endpoint stays under 500 series and
 * {@code promtool check metrics} has nothing to say about it.
 */
class SignalsIT {
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration ARRIVAL = Duration.ofSeconds(180);
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final int MAX_SERIES = 500;
    private static final String LOAD_SECONDS = "40s";

    @Test
    void exportedSignalsAreDocumentedAndBounded() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL), "promtool (Debian package prometheus) is not installed");
        SignalsDoc doc = SignalsDoc.read();
        assertThat(doc.metrics()).as("metrics table of docs/SIGNALS.md").hasSizeGreaterThan(10);
        assertThat(doc.spans()).as("span table of docs/SIGNALS.md").hasSizeGreaterThan(5);
        int metricsPort = PrometheusServer.freePort();
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            // the probes of demo-apps/config/demo-agent.yaml, exported over OTLP and Prometheus
            Path config = AgentJvm.writeConfig("""
                    exporter:
                      kind: [otlp, prometheus]
                      interval: 2s
                      otlp:
                        endpoint: "%s"
                        protocol: "http/protobuf"
                      prometheus:
                        host: "127.0.0.1"
                        port: %d
                    probes:
                      collect_interval: 1s
                      syscalls:
                        enabled: true
                      io:
                        enabled: true
                    spans:
                      standalone: true
                      min_duration: 1ms
                    """.formatted(receiver.endpoint(), metricsPort));
            List<String> args = AgentJvm.demoWithAgent(config, List.of("-Xmx256m"));
            try (JavaProcess app = JavaProcess.start("demo-signals", args, Map.of())) {
                ChildOutput.onFailure(app, () -> {
                    int port = Integer.parseInt(app.await(AgentJvm.DEMO_LISTENING, START).group(1));
                    app.await("kernel probes running", START);
                    runLoad(port);
                    // a slow fsync'd write of a regular file: a "file io" span with its path
                    await("file spans with paths").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(2))
                            .until(() -> {
                                Http.get(port, "/file?kb=2048");
                                return receiver.allSpans().stream().anyMatch(s -> s.getName().equals("file io")
                                        && attribute(s.getAttributesList(), "file.path").startsWith("/"));
                            });
                    await("the agent's metrics over OTLP").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(2))
                            .until(() -> names(receiver.allMetrics()).containsAll(
                                    Set.of("process.cpu.time", "process.disk.io", "kernel.file.io", "kernel.syscall.duration",
                                            "jvm.gc.duration", "kernel.runqueue.latency")));

                    checkMetricsAgainstDoc(doc, receiver.allMetrics());
                    checkSpansAgainstDoc(doc, receiver.allSpans());

                    String text = Http.get(metricsPort, "/metrics");
                    List<String> series = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
                    Map<String, Long> byFamily = new java.util.TreeMap<>(series.stream().collect(
                            java.util.stream.Collectors.groupingBy(l -> l.replaceAll("[{ ].*", "")
                                    .replaceAll("_(bucket|sum|count)$", ""), java.util.stream.Collectors.counting())));
                    assertThat(series.size()).as("Prometheus series of the demo service under the demo load, by family: %s",
                            byFamily).isLessThan(MAX_SERIES);
                    assertThat(series).as("syscall series are per call, not per thread, by default")
                            .filteredOn(l -> l.startsWith("kernel_syscall_")).noneMatch(l -> l.contains("thread_name="));
                    assertThat(series).as("zero-valued error series")
                            .filteredOn(l -> l.startsWith("kernel_syscall_errors_total")).noneMatch(l -> l.endsWith(" 0.0"));
                    assertThat(promtool(text)).as("promtool check metrics on the agent's endpoint").isEmpty();
                });
            }
        }
    }

    /** The demo's own load generator (as ./run demo drives the service), for LOAD_SECONDS. */
    private static void runLoad(int port) throws Exception {
        List<String> command = List.of(JavaProcess.javaBinary().toString(), "-cp", AgentJvm.demoJar().toString(),
                "io.ebpfagent.demo.LoadGenerator", "--url=http://127.0.0.1:" + port, "--duration=" + LOAD_SECONDS,
                "--concurrency=8");
        Process load = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(load.waitFor(10, TimeUnit.MINUTES)).as("load generator finished").isTrue();
    }

    private static void checkMetricsAgainstDoc(SignalsDoc doc, List<Metric> metrics) {
        List<String> problems = new ArrayList<>();
        for (Metric m : metrics) {
            SignalsDoc.MetricDoc d = doc.metrics().get(m.getName());
            if (d == null) {
                problems.add(m.getName() + ": not in docs/SIGNALS.md");
                continue;
            }
            if (!d.unit().equals(m.getUnit())) {
                problems.add(m.getName() + ": unit " + m.getUnit() + ", documented " + d.unit());
            }
            Set<String> keys = new TreeSet<>();
            pointAttributes(m).forEach(list -> list.forEach(kv -> keys.add(kv.getKey())));
            keys.remove("otel.metric.overflow");
            if (!d.attributes().containsAll(keys)) {
                problems.add(m.getName() + ": attributes " + keys + ", documented " + d.attributes());
            }
        }
        assertThat(problems).as("exported metrics that docs/SIGNALS.md does not describe").isEmpty();
    }

    private static void checkSpansAgainstDoc(SignalsDoc doc, List<Span> spans) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (Span s : spans) {
            String documented = doc.spanOf(s.getName());
            if (documented == null) {
                problems.add("span " + s.getName() + ": not in docs/SIGNALS.md");
                continue;
            }
            seen.add(documented);
            for (KeyValue kv : s.getAttributesList()) {
                if (!doc.spans().get(documented).contains(kv.getKey()) && !doc.spanAttributes().contains(kv.getKey())) {
                    problems.add("span " + s.getName() + ": attribute " + kv.getKey() + " not documented");
                }
            }
        }
        assertThat(problems).as("exported spans that docs/SIGNALS.md does not describe").isEmpty();
        assertThat(seen).as("kernel spans the demo produced").contains("off-cpu", "file io");
        // one kernel event, one span: no fsync both as "syscall fsync" and as "file io"
        assertThat(spans).extracting(Span::getName).doesNotContain("syscall fsync", "syscall fdatasync");
    }

    private static Stream<List<KeyValue>> pointAttributes(Metric m) {
        return switch (m.getDataCase()) {
            case SUM -> m.getSum().getDataPointsList().stream().map(p -> p.getAttributesList());
            case GAUGE -> m.getGauge().getDataPointsList().stream().map(p -> p.getAttributesList());
            case HISTOGRAM -> m.getHistogram().getDataPointsList().stream().map(p -> p.getAttributesList());
            default -> Stream.empty();
        };
    }

    private static Set<String> names(List<Metric> metrics) {
        Set<String> names = new TreeSet<>();
        metrics.forEach(m -> names.add(m.getName()));
        return names;
    }

    private static String attribute(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(kv -> kv.getValue().getStringValue())
                .findFirst().orElse("");
    }

    /** What {@code promtool check metrics} prints about the exposition (nothing when all is well). */
    static String promtool(String exposition) throws Exception {
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return p.exitValue() == 0 ? out : "exit " + p.exitValue() + ": " + out;
    }
}
