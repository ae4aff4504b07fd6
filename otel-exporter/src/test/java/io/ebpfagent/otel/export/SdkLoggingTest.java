package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.ThreadKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK's java.util.logging output goes to the agent's log (here SLF4J's simple binding on
 * stderr), one line per record, and never reaches the root logger the application configures.
 * In the agent jar the SDK is relocated and {@link SdkLogging#install()} picks its relocated
 * root; here the SDK is not relocated, so the test names the root itself.
 */
class SdkLoggingTest {
    private static final String ROOT = "io.".concat("opentelemetry");
    private final List<LogRecord> atRoot = new CopyOnWriteArrayList<>();
    private final Handler rootHandler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            atRoot.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void capture() {
        Logger.getLogger("").addHandler(rootHandler);
        originalErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        Logger.getLogger("").removeHandler(rootHandler);
        SdkLogging.uninstall(ROOT);
    }

    @Test
    void exportFailuresAreOneLineEachAndStayOutOfTheApplicationsLogging() throws Exception {
        SdkLogging.install(ROOT);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: connections are refused
        }
        for (OtlpProtocol protocol : OtlpProtocol.values()) {
            ExporterConfig config = ExporterConfig.builder().exporters(ExporterKind.OTLP).otlpProtocol(protocol)
                    .otlpEndpoint("http://127.0.0.1:" + port).exportInterval(Duration.ofHours(1)).build();
            try (KernelTelemetry telemetry = ExporterSetup.create(config, ThreadKey::unknown)) {
                telemetry.onPageFaults(1, 3, 0);
                telemetry.flush(Duration.ofSeconds(30));
            }
        }
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        List<String> failures = lines.stream().filter(l -> l.contains("Failed to export")).toList();
        assertThat(failures).as(String.join("\n", lines)).hasSizeGreaterThanOrEqualTo(2)
                .allMatch(l -> l.contains("WARN io.ebpfagent.otel.export.sdk - exporter: Failed to export"));
        assertThat(lines).as("no java.util.logging format, no stack trace, no redundant second line")
                .noneMatch(l -> l.startsWith("SEVERE:") || l.startsWith("WARNING:") || l.startsWith("\tat ")
                        || l.contains("Exporter failed"));
        assertThat(atRoot).as("records at the application's root logger").isEmpty();
    }

    @Test
    void withoutRelocationNothingIsRedirected() {
        assertThat(SdkLogging.sdkLoggerRoot()).isEqualTo(ROOT);
        SdkLogging.install();
        assertThat(Logger.getLogger(ROOT).getUseParentHandlers()).isTrue();
        assertThat(Logger.getLogger(ROOT).getHandlers()).isEmpty();
    }
}
