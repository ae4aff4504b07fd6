package io.ebpfagent.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.otel.FileKind;
import io.ebpfagent.otel.IoDirection;
import io.ebpfagent.otel.KernelTelemetry;
import io.ebpfagent.otel.SpanMode;
import io.ebpfagent.otel.ThreadKey;
import io.ebpfagent.otel.ConnectOutcome;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Once a (tid, attribute set) is known, feeding cumulative values allocates nothing. */
class ZeroAllocationTest {
    @Test
    void steadyStateCollectionLoopDoesNotAllocate() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var reader = InMemoryMetricReader.create();
        try (KernelTelemetry t = KernelTelemetry.builder(tid -> new ThreadKey(tid, "w" + tid, "w*", tid))
                .addMetricReader(reader).spanMode(SpanMode.OFF).build()) {
            long[] slots = new long[64];
            // warm up: creates per-thread state and series, lets the JIT compile the loop
            for (int round = 0; round < 20_000; round++) {
                feed(t, slots, round);
            }
            long tid = Thread.currentThread().threadId();
            long before = mx.getThreadAllocatedBytes(tid);
            for (int round = 20_000; round < 40_000; round++) {
                feed(t, slots, round);
            }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            // 20k rounds x (16 threads x 9 calls + 2); a single allocation per call would be >= 40 MB
            assertThat(allocated).isLessThan(64 * 1024);
            assertThat(reader.collectAllMetrics()).isNotEmpty();
        }
    }

    private static void feed(KernelTelemetry t, long[] slots, int round) {
        for (int tid = 1; tid <= 16; tid++) {
            slots[12] = round;
            slots[20] = round / 2;
            t.onCpuTime(tid, round * 1000L, round * 10L, round);
            t.onContextSwitches(tid, round, round / 3);
            t.onPageFaults(tid, round, 0);
            t.onRunQueueLatency(tid, slots, -1);
            t.onSyscall(tid, tid % 4, round, 0, slots, round * 5000L);
            t.onFileIo(tid, FileKind.SOCKET, IoDirection.READ, round * 100L, slots, round * 5000L);
            t.onTcpConnect(tid, ConnectOutcome.SUCCESS, slots, round * 5000L);
            t.onRetransmit(tid, round / 10);
            t.onIoBeforeAttach(tid, 4096, 512);
        }
        t.onJitCompilations("c1", true, round, slots, round * 5000L);
        t.onJitCompilations("c2", round % 2 == 0, round, slots, round * 5000L);
    }
}
