package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.ThreadKey;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class PrometheusPortInUseTest {

    @Test
    void anExporterThatCannotStartDisablesOnlyItself() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ExporterConfig config = ExporterConfig.builder()
                    .exporters(ExporterKind.PROMETHEUS, ExporterKind.LOGGING)
                    .prometheus("127.0.0.1", taken.getLocalPort())
                    .build();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            java.io.PrintStream original = System.err;
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            try (KernelTelemetry telemetry = ExporterSetup.create(config, ThreadKey::unknown)) {
                telemetry.onPageFaults(1, 3, 0);
                assertThat(telemetry).isNotNull();
            } finally {
                System.setErr(original);
            }
            String log = err.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(log).contains("exporter prometheus disabled");
            // the summary names only what runs
            assertThat(log.lines().filter(l -> l.contains("telemetry exporters:")).toList()).as(log).singleElement()
                    .satisfies(l -> assertThat(l).contains("telemetry exporters: logging;").doesNotContain("prometheus"));
        }
    }
}
