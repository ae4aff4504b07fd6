package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.ThreadKey;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The real Prometheus exporter's HTTP endpoint, scraped and parsed as Prometheus text format. */
class PrometheusScrapeTest {
    record Sample(String name, Map<String, String> labels, double value) {}

    static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?$");
    static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line.trim());
            assertThat(m.matches()).as("valid sample line: %s", line).isTrue();
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            String v = m.group(3);
            double value = switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(v);
            };
            out.add(new Sample(m.group(1), labels, value));
        }
        return out;
    }

    static Sample find(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name)
                        && labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + labels + " in " + samples));
    }

    @Test
    void scrapeShowsCountersAndExactHistogramBuckets() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.PROMETHEUS)
                .prometheus("127.0.0.1", port).serviceName("prom-test")
                .syscallSeries(new io.ebpfagent.otel.SyscallSeries(io.ebpfagent.otel.SyscallSeries.ALL, true)).build();
        try (KernelTelemetry t = ExporterSetup.create(config, tid -> new ThreadKey(tid, "main", "main", 1))) {
            t.onPageFaults(3, 120, 4);
            t.onCpuTime(3, 1_500_000_000L, 500_000_000L, 0);
            long[] slots = new long[64];
            slots[11] = 2; // 2048..4095 ns: le 1.6383e-05
            slots[21] = 1; // ~2..4 ms: le 4.194303e-03
            t.onSyscall(3, 1, 3, 1, slots, 2 * 3000L + 3_000_000L);

            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            List<Sample> samples = parse(r.body());

            assertThat(find(samples, "process_paging_faults_total", Map.of("thread_name", "main", "system_paging_fault_type", "minor")).value())
                    .isEqualTo(120);
            assertThat(find(samples, "process_cpu_time_seconds_total", Map.of("thread_name", "main")).value())
                    .isCloseTo(1.5, within(1e-9));
            Map<String, String> write = Map.of("syscall_name", "write", "thread_name", "main");
            assertThat(find(samples, "kernel_syscall_errors_total", write).value()).isEqualTo(1);
            assertThat(find(samples, "kernel_syscall_duration_seconds_count", write).value()).isEqualTo(3);
            assertThat(find(samples, "kernel_syscall_duration_seconds_sum", write).value()).isCloseTo(0.003006, within(1e-12));
            List<Sample> buckets = samples.stream().filter(s -> s.name().equals("kernel_syscall_duration_seconds_bucket")
                    && "write".equals(s.labels().get("syscall_name"))).toList();
            assertThat(buckets).hasSize(7);
            // cumulative le buckets: 0 up to 1.023 µs, 2 from 16.383 µs on, 3 from 4.194 ms on
            assertThat(buckets.get(0).value()).isZero();
            assertThat(Double.parseDouble(buckets.get(1).labels().get("le"))).isCloseTo(16383e-9, within(1e-15));
            assertThat(buckets.get(1).value()).isEqualTo(2);
            assertThat(buckets.get(2).value()).isEqualTo(2);
            assertThat(Double.parseDouble(buckets.get(3).labels().get("le"))).isCloseTo(4194303e-9, within(1e-15));
            assertThat(buckets.get(3).value()).isEqualTo(3);
            assertThat(buckets.get(6).labels().get("le")).isEqualTo("+Inf");
            assertThat(buckets.get(6).value()).isEqualTo(3);
            // promtool wants a help text on every family, target_info included
            assertThat(r.body()).contains("# HELP target_info ");
            Sample info = find(samples, "target_info", Map.of());
            assertThat(info.labels()).containsEntry("service_name", "prom-test");
        }
    }
}
