package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.ChildOutput;
import io.ebpfagent.e2e.support.Http;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.JavaThreads;
import io.ebpfagent.e2e.support.ProcThreads;
import io.ebpfagent.e2e.support.PrometheusServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The demo service with the agent's Prometheus exporter, scraped every second by a real
 * Prometheus server; the kernel-measured metrics are asserted through PromQL, with the names the
 * OTel-to-Prometheus translation gives them (units and {@code _total} appended, dots to
 * underscores: see otel-exporter/README.md).
 */
class PrometheusIT {
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration ARRIVAL = Duration.ofSeconds(120);
    private static final String WORKERS = "thread_name=\"http-worker-*\"";
    private static final int FILE_KB = 512;
    private static final int FILE_REQUESTS = 2;
    private static final int SLEEP_REQUESTS = 3;
    /** TASK_COMM_LEN - 1: what the kernel keeps of a thread name. */
    private static final int KERNEL_COMM_CHARS = 15;

    @Test
    void kernelMetricsReachPrometheusWithJavaThreadNames() throws Exception {
        Assumptions.assumeTrue(PrometheusServer.installed(), "the prometheus package is not installed");
        int metricsPort = PrometheusServer.freePort();
        Path config = AgentJvm.writeConfig("""
                exporter:
                  kind: [prometheus]
                  prometheus:
                    host: "127.0.0.1"
                    port: %d
                probes:
                  sched:
                    enabled: true
                  io:
                    enabled: true
                  faults:
                    enabled: true
                  jvm:
                    enabled: true
                """.formatted(metricsPort));
        // A small heap, so that /alloc makes the collector run.
        List<String> args = AgentJvm.demoWithAgent(config, List.of("-Xmx96m"));
        try (JavaProcess app = JavaProcess.start("demo-prometheus", args, Map.of());
             PrometheusServer prometheus = PrometheusServer.start("127.0.0.1:" + metricsPort)) {
            ChildOutput.onFailure(app, () -> {
                int port = Integer.parseInt(app.await(AgentJvm.DEMO_LISTENING, START).group(1));
                await("Prometheus scrapes the agent's endpoint").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(1))
                        .until(prometheus::targetUp);

                // The probes may attach after the first requests: drive CPU work until the worker
                // threads' CPU time shows up, then measure increases from there.
                await("on-CPU time of the http-worker-* threads").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(2))
                        .until(() -> {
                            Http.get(port, "/cpu?ms=100");
                            return sum(prometheus, "process_cpu_time_seconds_total{" + WORKERS + "}") > 0;
                        });
                double cpu0 = sum(prometheus, "process_cpu_time_seconds_total{" + WORKERS + "}");
                double voluntary0 = sum(prometheus, "process_context_switches_total{" + WORKERS
                        + ",process_context_switch_type=\"voluntary\"}");
                double written0 = sum(prometheus, "process_disk_io_bytes_total{" + WORKERS
                        + ",disk_io_direction=\"write\"}");
                double read0 = sum(prometheus, "kernel_file_io_bytes_total{" + WORKERS + ",io_direction=\"read\"}");

                long procCpu0 = ProcThreads.cpuNanos(app.pid(), "http-worker-");
                Map<String, Object> cpu = Http.getJson(port, "/cpu?ms=500");
                assertThat((Double) cpu.get("requested_ms")).isEqualTo(500.0);
                for (int i = 0; i < SLEEP_REQUESTS; i++) {
                    Http.get(port, "/sleep?ms=50");
                }
                long fileBytes = 0;
                for (int i = 0; i < FILE_REQUESTS; i++) {
                    Map<String, Object> file = Http.getJson(port, "/file?kb=" + FILE_KB);
                    fileBytes += ((Double) file.get("bytes_written")).longValue();
                }
                assertThat(fileBytes).isEqualTo((long) FILE_REQUESTS * FILE_KB * 1024);
                Map<String, Object> alloc = Http.getJson(port, "/alloc?mb=256");
                assertThat((Double) alloc.get("gc_collections_during"))
                        .as("precondition: /alloc made the JVM collect").isPositive();
                long expectedBytes = fileBytes;
                // What the kernel itself accounted to the workers while they served these requests.
                double procCpuSeconds = (ProcThreads.cpuNanos(app.pid(), "http-worker-") - procCpu0) / 1e9;
                assertThat(procCpuSeconds).as("precondition: the workers ran").isPositive();

                await("kernel metrics in Prometheus").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(2))
                        .untilAsserted(() -> {
                            // At least what the scheduler accounted (schedstat) to the workers over the
                            // same requests, less 20 ms of slack for the two procfs reads.
                            assertThat(sum(prometheus, "process_cpu_time_seconds_total{" + WORKERS + "}") - cpu0)
                                    .as("on-CPU seconds of http-worker-* added by the requests (schedstat: %.3f s)",
                                            procCpuSeconds)
                                    .isGreaterThanOrEqualTo(procCpuSeconds - 0.02);
                            assertThat(sum(prometheus, "process_context_switches_total{" + WORKERS
                                    + ",process_context_switch_type=\"voluntary\"}") - voluntary0)
                                    .as("voluntary context switches of http-worker-* added by /sleep")
                                    .isGreaterThanOrEqualTo(SLEEP_REQUESTS);
                            assertThat(labelValues(prometheus, "process_context_switches_total",
                                    "process_context_switch_type")).isSubsetOf("voluntary", "involuntary");
                            assertThat(sum(prometheus, "process_paging_faults_total{" + WORKERS + "}"))
                                    .as("page faults of http-worker-*").isPositive();
                            assertThat(labelValues(prometheus, "process_paging_faults_total",
                                    "system_paging_fault_type")).contains("minor").isSubsetOf("minor", "major");
                            // /file fsyncs what it wrote: the worker submits it to storage itself
                            assertThat(sum(prometheus, "process_disk_io_bytes_total{" + WORKERS
                                    + ",disk_io_direction=\"write\"}") - written0)
                                    .as("storage bytes written by /file on http-worker-*").isGreaterThanOrEqualTo(expectedBytes);
                            // ... and reads it back from the page cache: file I/O, not storage I/O
                            assertThat(sum(prometheus, "kernel_file_io_bytes_total{" + WORKERS
                                    + ",io_direction=\"read\"}") - read0)
                                    .as("bytes read back by /file on http-worker-*").isGreaterThanOrEqualTo(expectedBytes);
                            assertThat(sum(prometheus, "jvm_gc_duration_seconds_count"))
                                    .as("GC pauses after /alloc").isPositive();
                            assertThat(labelValues(prometheus, "jvm_gc_duration_seconds_count", "jvm_gc_name"))
                                    .isNotEmpty().doesNotContain("");
                        });

                // Series are labelled with Java thread names (grouped), not kernel task names: the
                // kernel keeps only 15 characters of a name, so a 15-character label that is the
                // start of a longer name the JVM reports is a thread the agent failed to name.
                Set<String> threads = labelValues(prometheus, "process_cpu_time_seconds_total", "thread_name");
                assertThat(threads).contains("http-worker-*");
                Set<String> javaNames = JavaThreads.names(app.pid());
                assertThat(javaNames).as("precondition: jcmd lists the workers").anyMatch(n -> n.startsWith("http-worker-"));
                assertThat(threads).as("thread_name labels vs. the JVM's own thread names %s", javaNames)
                        .noneMatch(label -> label.length() == KERNEL_COMM_CHARS && javaNames.stream()
                                .anyMatch(n -> n.length() > label.length() && n.startsWith(label)));
            });
        }
    }

    /** The sum of an instant vector (0 when it is empty). */
    private static double sum(PrometheusServer prometheus, String selector) throws IOException, InterruptedException {
        List<Map<String, Object>> result = prometheus.query("sum(" + selector + ")");
        return result.isEmpty() ? 0 : Double.parseDouble(PrometheusServer.value(result.getFirst()));
    }

    private static Set<String> labelValues(PrometheusServer prometheus, String metric, String label)
            throws IOException, InterruptedException {
        return prometheus.query(metric).stream()
                .map(e -> PrometheusServer.labels(e).getOrDefault(label, ""))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
