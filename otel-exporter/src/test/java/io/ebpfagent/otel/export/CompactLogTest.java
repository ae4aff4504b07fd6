package io.ebpfagent.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.otel.KernelInterval;
import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.MonotonicClock;
import io.ebpfagent.otel.ThreadKey;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CompactLogTest {
    @Test
    void oneReadableLinePerPointAndSpan() {
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
        assertThat(lines).contains("process.paging.faults{system.paging.fault.type=minor,thread.name=main} 12 {fault}");
        assertThat(lines).anySatisfy(l -> assertThat(l)
                .isEqualTo("kernel.runqueue.latency count=10 sum=0.0004 mean=0.00004 p50<=0.000262143 p99<=0.000262143 s"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("span syscall poll 0.002s trace=")
                .contains("syscall.name=poll", "thread.name=main"));
    }
}
