package io.ebpfagent.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanMappingTest {
    static final long OFFSET = 1_700_000_000_000_000_000L;
    static final ThreadNames NAMES = tid -> tid == 42 ? new ThreadKey(42, "http-nio-8080-exec-3", "http-nio-8080-exec-*", 77) : null;
    // 0x4bf92f3577b34da6a3ce929d0e0e4736 / 0x00f067aa0ba902b7, the W3C example ids
    static final SpanParent PARENT = new SpanParent(0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L, 0x00f067aa0ba902b7L, (byte) 1);

    InMemorySpanExporter exporter = InMemorySpanExporter.create();

    KernelTelemetry telemetry(SpanMode mode) {
        // shutting the in-memory exporter down would clear it: keep the spans past close()
        SpanExporter keep = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return exporter.export(spans);
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        return KernelTelemetry.builder(NAMES).addSpanProcessor(SimpleSpanProcessor.create(keep))
                .monotonicClock(MonotonicClock.withOffset(OFFSET)).spanMode(mode)
                .minSpanDuration(Duration.ofMillis(1)).build();
    }

    @Test
    void intervalWithParentBecomesChildSpanWithKernelTimestamps() {
        try (KernelTelemetry t = telemetry(SpanMode.SPANS)) {
            t.onInterval(KernelInterval.offCpu(42, 5_000_000_000L, 12_000_000L, OffCpuReason.VOLUNTARY, PARENT));
        }
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).hasSize(1);
        SpanData s = spans.get(0);
        assertThat(s.getName()).isEqualTo("off-cpu");
        assertThat(s.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(s.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(s.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(s.getParentSpanContext().isRemote()).isTrue();
        assertThat(s.getSpanId()).isNotEqualTo("00f067aa0ba902b7").hasSize(16);
        assertThat(s.getStartEpochNanos()).isEqualTo(OFFSET + 5_000_000_000L);
        assertThat(s.getEndEpochNanos()).isEqualTo(OFFSET + 5_012_000_000L);
        assertThat(s.getAttributes().get(AttributeKey.stringKey("off_cpu.reason"))).isEqualTo("voluntary");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("thread.name"))).isEqualTo("http-nio-8080-exec-3");
        assertThat(s.getAttributes().get(AttributeKey.longKey("thread.id"))).isEqualTo(77);
        assertThat(s.getAttributes().get(AttributeKey.longKey("thread.native_id"))).isEqualTo(42);
    }

    @Test
    void intervalWithoutParentIsRootSpanWithThreadAttributes() {
        try (KernelTelemetry t = telemetry(SpanMode.SPANS)) {
            t.onInterval(KernelInterval.syscall(42, 1_000, 3_000_000L, 0, "/var/log/app.log", null));
            t.onInterval(KernelInterval.of(IntervalKind.SLOW_CONNECT, 42, 1_000, 5_000_000L, "10.0.0.7:5432", null));
            t.onInterval(KernelInterval.of(IntervalKind.GC_PAUSE, 9, 1_000, 2_000_000L, "G1 Young Generation", null));
        }
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).extracting(SpanData::getName).containsExactly("syscall read", "tcp connect", "gc pause");
        SpanData read = spans.get(0);
        assertThat(read.getParentSpanContext().isValid()).isFalse();
        assertThat(read.getTraceId()).isNotEqualTo("00000000000000000000000000000000");
        assertThat(read.getAttributes().get(AttributeKey.stringKey("syscall.name"))).isEqualTo("read");
        assertThat(read.getAttributes().get(AttributeKey.stringKey("file.path"))).isEqualTo("/var/log/app.log");
        assertThat(read.getAttributes().get(AttributeKey.stringKey("thread.name"))).isEqualTo("http-nio-8080-exec-3");
        SpanData connect = spans.get(1);
        assertThat(connect.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("10.0.0.7");
        assertThat(connect.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(5432);
        SpanData gc = spans.get(2);
        assertThat(gc.getAttributes().get(AttributeKey.stringKey("jvm.gc.name"))).isEqualTo("G1 Young Generation");
        assertThat(gc.getAttributes().get(AttributeKey.stringKey("thread.name"))).isEqualTo("tid-9");
        assertThat(gc.getAttributes().get(AttributeKey.longKey("thread.id"))).isNull();
    }

    @Test
    void intervalsBelowTheMinimumDurationAreDropped() {
        try (KernelTelemetry t = telemetry(SpanMode.SPANS)) {
            assertThat(t.wantsInterval(IntervalKind.OFF_CPU, 999_999)).isFalse();
            assertThat(t.wantsInterval(IntervalKind.OFF_CPU, 1_000_000)).isTrue();
            t.onInterval(KernelInterval.offCpu(42, 0, 999_999, OffCpuReason.INVOLUNTARY, PARENT));
        }
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void unsampledParentYieldsNoExportedSpan() {
        SpanParent unsampled = new SpanParent(PARENT.traceIdHigh(), PARENT.traceIdLow(), PARENT.spanId(), (byte) 0);
        try (KernelTelemetry t = telemetry(SpanMode.SPANS)) {
            t.onInterval(KernelInterval.offCpu(42, 0, 5_000_000, OffCpuReason.VOLUNTARY, unsampled));
        }
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void eventsModeEmitsZeroLengthChildCarryingOneEvent() {
        try (KernelTelemetry t = telemetry(SpanMode.EVENTS)) {
            t.onInterval(KernelInterval.offCpu(42, 2_000_000L, 4_000_000L, OffCpuReason.INVOLUNTARY, PARENT));
        }
        SpanData s = exporter.getFinishedSpanItems().get(0);
        assertThat(s.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(s.getStartEpochNanos()).isEqualTo(s.getEndEpochNanos()).isEqualTo(OFFSET + 2_000_000L);
        EventData e = s.getEvents().get(0);
        assertThat(e.getName()).isEqualTo("off-cpu");
        assertThat(e.getEpochNanos()).isEqualTo(OFFSET + 2_000_000L);
        assertThat(e.getAttributes().get(AttributeKey.longKey("kernel.duration_ns"))).isEqualTo(4_000_000L);
        assertThat(e.getAttributes().get(AttributeKey.stringKey("off_cpu.reason"))).isEqualTo("involuntary");
    }

    @Test
    void offModeEmitsNothing() {
        try (KernelTelemetry t = telemetry(SpanMode.OFF)) {
            assertThat(t.wantsInterval(IntervalKind.GC_PAUSE, Long.MAX_VALUE)).isFalse();
            t.onInterval(KernelInterval.offCpu(42, 0, 50_000_000, OffCpuReason.VOLUNTARY, PARENT));
        }
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }
}
