package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Without the OpenTelemetry Java agent (this JVM) the wrappers are transparent; with it, the
 * e2e test OtelJavaagentCorrelationIT checks that no export shows up in the application's traces.
 */
class JavaagentSuppressionTest {
    @Test
    void metricExporterKeepsTheDelegatesTemporalityAggregationAndMemoryMode() {
        MetricExporter delegate = OtlpHttpMetricExporter.builder().setEndpoint("http://127.0.0.1:1/v1/metrics")
                .setAggregationTemporalitySelector(type -> AggregationTemporality.DELTA)
                .setMemoryMode(MemoryMode.REUSABLE_DATA).build();
        MetricExporter wrapped = JavaagentSuppression.metrics(delegate);
        for (InstrumentType type : InstrumentType.values()) {
            assertThat(wrapped.getAggregationTemporality(type)).isEqualTo(delegate.getAggregationTemporality(type));
            assertThat(wrapped.getDefaultAggregation(type)).isEqualTo(delegate.getDefaultAggregation(type));
        }
        assertThat(wrapped.getMemoryMode()).isEqualTo(MemoryMode.REUSABLE_DATA);
        wrapped.shutdown().join(5, TimeUnit.SECONDS);
    }

    @Test
    void spanExportsRunOnTheCallingThreadWhichGetsTheAgentsName() throws Exception {
        AtomicReference<String> exportedOn = new AtomicReference<>();
        SpanExporter wrapped = JavaagentSuppression.spans(new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                exportedOn.set(Thread.currentThread().getName());
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        });
        Thread worker = new Thread(() -> wrapped.export(List.of()), "BatchSpanProcessor_WorkerThread-1");
        worker.start();
        worker.join();
        assertThat(exportedOn.get()).isEqualTo("ebpf-agent-span-export");
        Thread other = new Thread(() -> wrapped.export(List.of()), "ebpf-agent-shutdown");
        other.start();
        other.join();
        assertThat(exportedOn.get()).as("other threads keep their names").isEqualTo("ebpf-agent-shutdown");
    }

    @Test
    void serverExecutorRunsTasksOnNamedDaemonThreads() throws Exception {
        ExecutorService executor = JavaagentSuppression.serverExecutor("ebpf-agent-test", 1);
        try {
            CountDownLatch ran = new CountDownLatch(1);
            AtomicReference<Thread> on = new AtomicReference<>();
            executor.execute(() -> {
                on.set(Thread.currentThread());
                ran.countDown();
            });
            assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(on.get().getName()).isEqualTo("ebpf-agent-test-1");
            assertThat(on.get().isDaemon()).isTrue();
        } finally {
            executor.shutdownNow();
        }
    }
}
