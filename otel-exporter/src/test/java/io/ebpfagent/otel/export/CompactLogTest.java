package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.otel.KernelInterval;
import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.MonotonicClock;
import io.ebpfagent.otel.ThreadKey;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CompactLogTest {
    @Test
    void readableLinesPerMetricAndSpan() {
        List<String> lines = new CopyOnWriteArrayList<>();
        KernelTelemetry t = KernelTelemetry.builder(tid -> new ThreadKey(tid, "main", "main", 1))
                .addMetricReader(PeriodicMetricReader.builder(new CompactLogMetricExporter(lines::add))
                        .setInterval(Duration.ofHours(1)).build())
                .addSpanProcessor(SimpleSpanProcessor.create(new CompactLogSpanExporter(lines::add)))
                .monotonicClock(MonotonicClock.withOffset(0)).build();
        t.onPageFaults(1, 12, 0);
        long[] slots = new long[64];
        slots[15] = 10;
        t.onRunQueueLatency(1, slots, 10 * 40_000L);
        t.onInterval(KernelInterval.syscall(1, 5_000_000, 2_000_000, 7, null, null));
        t.close();
        // minor faults 12, major faults 0: the zero series is left out
        int faults = lines.indexOf("process.paging.faults [{fault}]: 1 non-zero of 1 series");
        assertThat(faults).as("header in %s", lines).isNotNegative();
        assertThat(lines.get(faults + 1)).isEqualTo("  12  {system.paging.fault.type=minor,thread.name=main}");
        assertThat(lines).noneMatch(l -> l.contains("fault.type=major"));
        int runq = lines.indexOf("kernel.runqueue.latency [s]: 1 non-zero of 1 series");
        assertThat(runq).as("header in %s", lines).isNotNegative();
        assertThat(lines.get(runq + 1)).isEqualTo(
                "  count=10 sum=0.0004 mean=0.00004 p50<=0.000262143 p99<=0.000262143");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("span syscall poll 0.002s trace=")
                .contains("syscall.name=poll", "thread.name=main"));
        // the agent makes no series for a zero count (major faults): nothing zero to leave out here
        assertThat(lines).contains("metrics: 3 with non-zero series shown (top 10 each), 0 all zero, 0 zero-valued series omitted");
    }

    @Test
    void onlyTheLargestNonZeroSeriesLargestFirst() {
        List<String> lines = new CopyOnWriteArrayList<>();
        SdkMeterProvider provider = SdkMeterProvider.builder()
                .registerMetricReader(PeriodicMetricReader.builder(new CompactLogMetricExporter(lines::add, 3))
                        .setInterval(Duration.ofHours(1)).build())
                .build();
        Meter meter = provider.get("test");
        AttributeKey<String> syscall = AttributeKey.stringKey("syscall.name");
        LongCounter errors = meter.counterBuilder("process.syscall.errors").setUnit("{error}").build();
        for (int i = 0; i < 100; i++) {
            errors.add(0, Attributes.of(syscall, "zero" + i));
        }
        errors.add(5, Attributes.of(syscall, "read"));
        errors.add(50, Attributes.of(syscall, "futex"));
        errors.add(7, Attributes.of(syscall, "write"));
        errors.add(1, Attributes.of(syscall, "close"));
        LongCounter silent = meter.counterBuilder("process.network.tcp.retransmits").build();
        silent.add(0, Attributes.of(syscall, "none"));
        provider.close();

        assertThat(lines).containsExactly(
                "process.syscall.errors [{error}]: 4 non-zero of 104 series",
                "  50  {syscall.name=futex}",
                "  7  {syscall.name=write}",
                "  5  {syscall.name=read}",
                "  ... 1 smaller non-zero series not shown",
                "metrics: 1 with non-zero series shown (top 3 each), 1 all zero, 101 zero-valued series omitted");
    }
}
