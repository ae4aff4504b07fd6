package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ebpfagent.e2e.apps.TracedApp;
import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.ChildOutput;
import io.ebpfagent.e2e.support.Http;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.ProcThreads;
import io.ebpfagent.otel.testing.OtlpGrpcReceiver;
import io.ebpfagent.otel.testing.OtlpMessages;
import io.ebpfagent.otel.testing.OtlpReceiver;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The agent's OTLP exporter (HTTP/protobuf and gRPC) feeding a real OTLP receiver, on an
 * application traced with the plain OpenTelemetry SDK ({@link TracedApp}): kernel-observed
 * off-CPU time inside an application span arrives as a child span of it; on-CPU time and GC
 * pauses arrive as metrics.
 */
class OtlpIT {
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration ARRIVAL = Duration.ofSeconds(120);
    private static final String WORKERS = "app-worker-*";
    private static final long SLEEP_MS = 200;

    /** What the agent exported, from either receiver. */
    private record Received(String endpoint, Supplier<List<Metric>> metrics, Supplier<List<Span>> spans) {
    }

    @Test
    void httpProtobuf() throws Exception {
        try (OtlpReceiver receiver = OtlpReceiver.start()) {
            // One receiver for both the application's SDK and the agent, as with a real collector.
            Received agent = new Received(receiver.endpoint(), receiver::allMetrics, receiver::allSpans);
            run("http/protobuf", agent, agent);
        }
    }

    @Test
    void grpc() throws Exception {
        try (OtlpGrpcReceiver receiver = OtlpGrpcReceiver.start(); OtlpReceiver appReceiver = OtlpReceiver.start()) {
            // The application's SDK exports over HTTP (its classpath has no gRPC sender).
            run("grpc", new Received(receiver.endpoint(), receiver::allMetrics, receiver::allSpans),
                    new Received(appReceiver.endpoint(), appReceiver::allMetrics, appReceiver::allSpans));
        }
    }

    private void run(String protocol, Received agent, Received app) throws Exception {
        Path config = AgentJvm.writeConfig("""
                exporter:
                  kind: [otlp]
                  interval: 1s
                  otlp:
                    endpoint: "%s"
                    protocol: "%s"
                probes:
                  sched:
                    enabled: true
                  jvm:
                    enabled: true
                spans:
                  mode: spans
                """.formatted(agent.endpoint(), protocol));
        List<String> args = List.of("-Xmx96m", AgentJvm.javaagent(AgentJvm.agentJar(), config),
                "--enable-native-access=ALL-UNNAMED", "-Dtraced.otlp.endpoint=" + app.endpoint(),
                "-cp", tracedAppClassPath(), TracedApp.class.getName());
        try (JavaProcess process = JavaProcess.start("traced-app-" + protocol.replace('/', '-'), args, Map.of())) {
            ChildOutput.onFailure(process, () -> {
                int port = Integer.parseInt(process.await("traced-app listening on port (\\d+)", START).group(1));

                // The probes may attach after the first requests: burn CPU until the workers'
                // on-CPU time arrives, then measure increases from there.
                await("on-CPU time of " + WORKERS + " over OTLP").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(2))
                        .until(() -> {
                            Http.get(port, "/cpu?ms=50");
                            return maxSum(agent, "process.cpu.time", WORKERS) > 0;
                        });
                double cpu0 = maxSum(agent, "process.cpu.time", WORKERS);
                long procCpu0 = ProcThreads.cpuNanos(process.pid(), "app-worker-");
                Map<String, Object> cpu = Http.getJson(port, "/cpu?ms=300");
                double procCpuSeconds = (ProcThreads.cpuNanos(process.pid(), "app-worker-") - procCpu0) / 1e9;
                assertThat(procCpuSeconds).as("precondition: schedstat saw the /cpu work").isGreaterThanOrEqualTo(0.3);
                assertThat((Double) cpu.get("cpu_ns")).isGreaterThanOrEqualTo(300e6);
                await("on-CPU time of /cpu over OTLP").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> assertThat(maxSum(agent, "process.cpu.time", WORKERS) - cpu0)
                                .as("on-CPU seconds of %s added by /cpu?ms=300 (schedstat: %.3f s)", WORKERS,
                                        procCpuSeconds)
                                .isGreaterThanOrEqualTo(procCpuSeconds - 0.02));

                Map<String, Object> alloc = Http.getJson(port, "/alloc?mb=256");
                assertThat((Double) alloc.get("gc_collections_during"))
                        .as("precondition: /alloc made the JVM collect").isPositive();
                await("GC pauses over OTLP").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> {
                            List<HistogramDataPoint> pauses = histogramPoints(agent, "jvm.gc.duration");
                            assertThat(pauses).as("jvm.gc.duration points").anyMatch(p -> p.getCount() > 0);
                            assertThat(pauses).allMatch(p -> !string(p.getAttributesList(), "jvm.gc.name").isEmpty(),
                                    "every GC point names its collector");
                        });

                Map<String, Object> sleep = Http.getJson(port, "/sleep?ms=" + SLEEP_MS);
                String traceId = (String) sleep.get("trace_id");
                String spanId = (String) sleep.get("span_id");
                String thread = (String) sleep.get("thread");
                Span appSpan = awaitSpan(app, s -> OtlpMessages.hex(s.getSpanId()).equals(spanId), "the app span");
                assertThat(appSpan.getName()).isEqualTo("app-sleep");
                assertThat(OtlpMessages.hex(appSpan.getTraceId())).isEqualTo(traceId);

                Span offCpu = awaitSpan(agent, s -> OtlpMessages.hex(s.getParentSpanId()).equals(spanId)
                        && durationMs(s) >= 100, "a kernel child span of the app span");
                // Several kernel intervals may fall inside the app span; the sleep is the longest.
                offCpu = agent.spans().get().stream()
                        .filter(s -> OtlpMessages.hex(s.getParentSpanId()).equals(spanId))
                        .max(Comparator.comparingDouble(OtlpIT::durationMs)).orElse(offCpu);
                assertThat(offCpu.getName()).isEqualTo("off-cpu");
                assertThat(OtlpMessages.hex(offCpu.getTraceId())).as("same trace as the app span").isEqualTo(traceId);
                // The JVM computes its wake-up deadline just before the thread leaves the CPU, so the
                // off-CPU interval of Thread.sleep(200) may be microseconds shorter than 200 ms.
                assertThat(durationMs(offCpu)).as("off-CPU span duration (ms)")
                        .isGreaterThanOrEqualTo(SLEEP_MS - 1.0)
                        .isLessThanOrEqualTo(durationMs(appSpan) + 5.0);
                assertThat(string(offCpu.getAttributesList(), "thread.name")).as("Java name of the sleeping thread")
                        .isEqualTo(thread);
            });
        }
    }

    /** The greatest cumulative value of a counter over the points of one thread group received so far. */
    private static double maxSum(Received r, String metric, String threadGroup) {
        return r.metrics().get().stream().filter(m -> m.getName().equals(metric) && m.hasSum())
                .flatMap(m -> m.getSum().getDataPointsList().stream())
                .filter(p -> threadGroup.equals(string(p.getAttributesList(), "thread.name")))
                .mapToDouble(OtlpIT::value).max().orElse(0);
    }

    private static double value(NumberDataPoint p) {
        return p.hasAsDouble() ? p.getAsDouble() : p.getAsInt();
    }

    private static List<HistogramDataPoint> histogramPoints(Received r, String metric) {
        return r.metrics().get().stream().filter(m -> m.getName().equals(metric) && m.hasHistogram())
                .flatMap(m -> m.getHistogram().getDataPointsList().stream()).toList();
    }

    private static String string(List<KeyValue> attributes, String key) {
        String v = OtlpMessages.stringAttribute(attributes, key);
        return v == null ? "" : v;
    }

    private static double durationMs(Span s) {
        return (s.getEndTimeUnixNano() - s.getStartTimeUnixNano()) / 1e6;
    }

    private static Span awaitSpan(Received r, java.util.function.Predicate<Span> p, String what) {
        return await(what).atMost(ARRIVAL).pollInterval(Duration.ofMillis(500))
                .until(() -> r.spans().get().stream().filter(p).findFirst().orElse(null), s -> s != null);
    }

    /**
     * The child JVM's class path: this module's test classes (TracedApp) and the OpenTelemetry
     * API/SDK/OTLP-exporter jars the tests themselves resolved.
     */
    private static String tracedAppClassPath() throws URISyntaxException {
        List<String> entries = new ArrayList<>();
        entries.add(Path.of(TracedApp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testClassPath.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith("opentelemetry-") && !name.startsWith("opentelemetry-proto")) {
                entries.add(entry);
            }
        }
        assertThat(entries).as("OpenTelemetry jars on the test class path")
                .anyMatch(e -> e.contains("opentelemetry-sdk-trace"))
                .anyMatch(e -> e.contains("opentelemetry-exporter-sender-jdk"));
        return entries.stream().collect(Collectors.joining(File.pathSeparator));
    }
}
