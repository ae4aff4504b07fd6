package io.ebpfagent.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.agent.log.AgentLog;
import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.ThreadKey;
import io.ebpfagent.probes.JvmProbe;
import io.ebpfagent.probes.SharedMaps;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Thread churn with nobody draining the jvm probe's ring buffer: the kernel drops records, and
 * the drops show up as a metric and one WARN line per interval in which some were lost.
 */
class DropMonitorTest {
    @Test
    void droppedRingBufferRecordsAreCountedAndReportedOnce() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AgentLog.setOutput(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (SharedMaps shared = SharedMaps.create();
             JvmProbe probe = JvmProbe.start(JvmProbe.Config.defaults(), shared);
             KernelTelemetry telemetry = KernelTelemetry.builder(ThreadKey::unknown).addMetricReader(reader).build()) {
            DropMonitor monitor = DropMonitor.of(telemetry, List.of(probe), Duration.ofSeconds(5));
            monitor.run();
            assertThat(dropped(reader)).as("nothing lost yet").hasValue(0L);
            // 144-byte thread start and stop records, 256 KiB of ring buffer, nobody reading it
            for (int round = 0; round < 40 && probe.droppedEvents() == 0; round++) {
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    threads.add(Thread.ofPlatform().name("churn-" + i).start(() -> { }));
                }
                for (Thread t : threads) {
                    t.join();
                }
            }
            long lost = probe.droppedEvents();
            assertThat(lost).as("records the kernel could not reserve").isPositive();
            monitor.run();
            assertThat(dropped(reader).orElseThrow()).isGreaterThanOrEqualTo(lost);
            // A second run prints a line only if the kernel lost more meanwhile: the buffer stays full
            // and JIT compilations and class loads of this JVM keep producing jvm records.
            monitor.run();
        } finally {
            AgentLog.setOutput(System.err);
        }
        List<String> warnings = log.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("kernel events lost")).toList();
        assertThat(warnings).as("one line per run that found new losses, never more").hasSizeBetween(1, 2)
                .allSatisfy(l -> assertThat(l)
                        .startsWith("[ebpf-agent] WARN kernel events lost in the last 5 s: jvm ")
                        .contains("(ring buffer full)").contains("ebpf_agent.probe.events.dropped"));
    }

    private static Optional<Long> dropped(InMemoryMetricReader reader) {
        for (MetricData m : reader.collectAllMetrics()) {
            if (m.getName().equals("ebpf_agent.probe.events.dropped")) {
                for (LongPointData p : m.getLongSumData().getPoints()) {
                    if ("jvm".equals(p.getAttributes().get(AttributeKey.stringKey("ebpf_agent.probe")))
                            && "ring_buffer".equals(p.getAttributes().get(AttributeKey.stringKey("ebpf_agent.buffer")))) {
                        return Optional.of(p.getValue());
                    }
                }
            }
        }
        return Optional.empty();
    }
}
