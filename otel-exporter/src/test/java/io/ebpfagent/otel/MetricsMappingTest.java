package io.ebpfagent.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ebpfagent.otel.internal.KernelMetrics;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsMappingTest {
    static final AttributeKey<String> THREAD = AttributeKey.stringKey("thread.name");

    /** Threads 10 and 11 are one pool; 20 is alone; others are unknown to the registry. */
    static final ThreadNames NAMES = tid -> switch (tid) {
        case 10 -> new ThreadKey(10, "pool-1-thread-1", "pool-1-thread-*", 31);
        case 11 -> new ThreadKey(11, "pool-1-thread-2", "pool-1-thread-*", 32);
        case 20 -> new ThreadKey(20, "main", "main", 1);
        default -> null;
    };

    InMemoryMetricReader reader;
    KernelTelemetry telemetry;

    @BeforeEach
    void setUp() {
        reader = InMemoryMetricReader.create();
        telemetry = KernelTelemetry.builder(NAMES).addMetricReader(reader).spanMode(SpanMode.OFF).build();
    }

    @AfterEach
    void tearDown() {
        telemetry.close();
    }

    Map<String, MetricData> collect() {
        Collection<MetricData> all = reader.collectAllMetrics();
        return all.stream().collect(Collectors.toMap(MetricData::getName, m -> m));
    }

    static double doubleValue(MetricData m, Attributes a) {
        return m.getDoubleSumData().getPoints().stream().filter(p -> p.getAttributes().equals(a))
                .mapToDouble(DoublePointData::getValue).findFirst().orElseThrow(() -> new AssertionError("no point " + a + " in " + m));
    }

    static long longValue(MetricData m, Attributes a) {
        return m.getLongSumData().getPoints().stream().filter(p -> p.getAttributes().equals(a))
                .mapToLong(LongPointData::getValue).findFirst().orElseThrow(() -> new AssertionError("no point " + a + " in " + m));
    }

    @Test
    void cpuTimeIsSummedPerThreadGroupFromCumulativeValues() {
        telemetry.onCpuTime(10, 1_000_000_000L, 200_000_000L, 50_000_000L);
        telemetry.onCpuTime(11, 500_000_000L, 0, 0);
        telemetry.onCpuTime(20, 250_000_000L, 0, 0);
        // cumulative again: only the increase counts
        telemetry.onCpuTime(10, 1_500_000_000L, 300_000_000L, 50_000_000L);

        Map<String, MetricData> m = collect();
        MetricData cpu = m.get("process.cpu.time");
        assertThat(cpu.getUnit()).isEqualTo("s");
        assertThat(cpu.getType()).isEqualTo(MetricDataType.DOUBLE_SUM);
        assertThat(cpu.getDoubleSumData().isMonotonic()).isTrue();
        assertThat(cpu.getDoubleSumData().getAggregationTemporality()).isEqualTo(AggregationTemporality.CUMULATIVE);
        assertThat(doubleValue(cpu, Attributes.of(THREAD, "pool-1-thread-*"))).isCloseTo(2.0, within(1e-9));
        assertThat(doubleValue(cpu, Attributes.of(THREAD, "main"))).isCloseTo(0.25, within(1e-9));

        MetricData off = m.get("kernel.off_cpu.time");
        AttributeKey<String> reason = AttributeKey.stringKey("off_cpu.reason");
        assertThat(doubleValue(off, Attributes.of(THREAD, "pool-1-thread-*", reason, "voluntary"))).isCloseTo(0.3, within(1e-9));
        assertThat(doubleValue(off, Attributes.of(THREAD, "pool-1-thread-*", reason, "involuntary"))).isCloseTo(0.05, within(1e-9));
    }

    @Test
    void exitedThreadKeepsItsContributionAndRecycledTidDoesNotGoBackwards() {
        telemetry.onContextSwitches(10, 100, 7);
        telemetry.onThreadExit(10);
        // a new thread reuses tid 10: its counters start again from small values
        telemetry.onContextSwitches(10, 5, 1);
        // the map entry of tid 11 was recreated without an exit (value dropped): a reset
        telemetry.onContextSwitches(11, 50, 0);
        telemetry.onContextSwitches(11, 3, 0);

        MetricData cs = collect().get("process.context_switches");
        assertThat(cs.getUnit()).isEqualTo("{context_switch}");
        AttributeKey<String> type = AttributeKey.stringKey("process.context_switch.type");
        assertThat(longValue(cs, Attributes.of(THREAD, "pool-1-thread-*", type, "voluntary"))).isEqualTo(100 + 5 + 50 + 3);
        assertThat(longValue(cs, Attributes.of(THREAD, "pool-1-thread-*", type, "involuntary"))).isEqualTo(8);
    }

    @Test
    void pageFaultsAndIoFollowSemanticConventions() {
        telemetry.onPageFaults(20, 1000, 3);
        telemetry.onFileIo(20, FileKind.REGULAR, IoDirection.READ, 4096, new long[64], 0);
        telemetry.onFileIo(20, FileKind.SOCKET, IoDirection.WRITE, 1500, new long[64], 0);
        telemetry.onFileIo(20, FileKind.PIPE, IoDirection.WRITE, 77, new long[64], 0);

        Map<String, MetricData> m = collect();
        MetricData pf = m.get("process.paging.faults");
        assertThat(pf.getUnit()).isEqualTo("{fault}");
        AttributeKey<String> ft = AttributeKey.stringKey("system.paging.fault.type");
        assertThat(longValue(pf, Attributes.of(THREAD, "main", ft, "minor"))).isEqualTo(1000);
        assertThat(longValue(pf, Attributes.of(THREAD, "main", ft, "major"))).isEqualTo(3);

        // reads of files are file I/O, not storage I/O
        assertThat(m).doesNotContainKey("process.disk.io");
        MetricData file = m.get("kernel.file.io");
        assertThat(file.getUnit()).isEqualTo("By");
        assertThat(longValue(file, Attributes.of(THREAD, "main", AttributeKey.stringKey("io.direction"), "read",
                AttributeKey.stringKey("file.kind"), "regular"))).isEqualTo(4096);
        assertThat(file.getLongSumData().getPoints()).hasSize(1);
        MetricData net = m.get("process.network.io");
        assertThat(longValue(net, Attributes.of(THREAD, "main", AttributeKey.stringKey("network.io.direction"), "transmit"))).isEqualTo(1500);
        // pipe bytes are neither disk nor network
        assertThat(net.getLongSumData().getPoints()).hasSize(1);
    }

    @Test
    void storageBytesAreDiskIoPerThreadGroupAndDirection() {
        telemetry.onDiskIo(10, IoDirection.WRITE, 8192);
        telemetry.onDiskIo(11, IoDirection.WRITE, 4096);
        telemetry.onDiskIo(20, IoDirection.READ, 512);
        // cumulative: only the increase counts
        telemetry.onDiskIo(10, IoDirection.WRITE, 12288);

        MetricData disk = collect().get("process.disk.io");
        assertThat(disk.getUnit()).isEqualTo("By");
        AttributeKey<String> direction = AttributeKey.stringKey("disk.io.direction");
        assertThat(longValue(disk, Attributes.of(THREAD, "pool-1-thread-*", direction, "write"))).isEqualTo(12288 + 4096);
        assertThat(longValue(disk, Attributes.of(THREAD, "main", direction, "read"))).isEqualTo(512);
        assertThat(disk.getLongSumData().getPoints()).hasSize(2);
    }

    @Test
    void bytesMovedBeforeAttachAreFileIoOfAnUnknownFileKind() {
        telemetry.onFileIo(20, FileKind.REGULAR, IoDirection.READ, 4096, new long[64], 0);
        telemetry.onIoBeforeAttach(20, 10_000, 300);
        // reported again (a later round): nothing more is added
        telemetry.onIoBeforeAttach(20, 10_000, 300);

        MetricData file = collect().get("kernel.file.io");
        AttributeKey<String> direction = AttributeKey.stringKey("io.direction");
        AttributeKey<String> kind = AttributeKey.stringKey("file.kind");
        assertThat(longValue(file, Attributes.of(THREAD, "main", direction, "read", kind, "regular"))).isEqualTo(4096);
        assertThat(longValue(file, Attributes.of(THREAD, "main", direction, "read", kind, "unknown"))).isEqualTo(10_000);
        assertThat(longValue(file, Attributes.of(THREAD, "main", direction, "write", kind, "unknown"))).isEqualTo(300);
        assertThat(file.getLongSumData().getPoints()).hasSize(3);

        // a thread that wrote nothing before the attach gets no write series
        telemetry.onIoBeforeAttach(10, 512, 0);
        assertThat(collect().get("kernel.file.io").getLongSumData().getPoints()
                .stream().filter(p -> "pool-1-thread-*".equals(p.getAttributes().get(THREAD)))).hasSize(1);
    }

    @Test
    void unknownThreadsShareTheUnknownGroup() {
        telemetry.onRetransmit(0, 4);
        telemetry.onRetransmit(999, 2);
        MetricData r = collect().get("kernel.tcp.retransmits");
        assertThat(r.getUnit()).isEqualTo("{segment}");
        assertThat(longValue(r, Attributes.of(THREAD, "unknown"))).isEqualTo(6);
    }

    @Test
    void renamedThreadFeedsItsNewGroupFromThenOn() {
        String[] name = {"worker-1"};
        KernelTelemetry t = KernelTelemetry.builder(tid -> new ThreadKey(tid, name[0], ThreadNames.groupOf(name[0]), 5))
                .addMetricReader(reader = InMemoryMetricReader.create()).spanMode(SpanMode.OFF).build();
        try {
            t.onPageFaults(7, 10, 0);
            name[0] = "renamed";
            t.onThreadRenamed(7);
            t.onPageFaults(7, 15, 0);
            MetricData pf = collect().get("process.paging.faults");
            AttributeKey<String> ft = AttributeKey.stringKey("system.paging.fault.type");
            assertThat(longValue(pf, Attributes.of(THREAD, "worker-*", ft, "minor"))).isEqualTo(10);
            assertThat(longValue(pf, Attributes.of(THREAD, "renamed", ft, "minor"))).isEqualTo(5);
        } finally {
            t.close();
        }
    }

    @Test
    void aThreadKnownOnlyByItsKernelNameIsResolvedAgainWhenItEnds() {
        // first seen while starting (the kernel's inherited name "java"), the Java name is known by
        // the time its final values are read; a Java thread keeps the name it had
        String[] names = {"java", "pool-2-thread-1"};
        KernelTelemetry t = KernelTelemetry.builder(tid -> tid == 7
                        ? new ThreadKey(7, names[0], ThreadNames.groupOf(names[0]), names[0].equals("java") ? -1 : 40)
                        : new ThreadKey(tid, names[1], ThreadNames.groupOf(names[1]), 41))
                .addMetricReader(reader = InMemoryMetricReader.create()).spanMode(SpanMode.OFF).build();
        try {
            t.onPageFaults(7, 3, 0);
            t.onPageFaults(8, 3, 0);
            names[0] = "acc-churn-7";
            names[1] = "renamed-later";
            t.onThreadEnding(7);
            t.onThreadEnding(8);
            t.onPageFaults(7, 10, 0);
            t.onPageFaults(8, 10, 0);
            t.onThreadExit(7);
            t.onThreadExit(8);
            MetricData pf = collect().get("process.paging.faults");
            AttributeKey<String> ft = AttributeKey.stringKey("system.paging.fault.type");
            assertThat(longValue(pf, Attributes.of(THREAD, "java", ft, "minor"))).isEqualTo(3);
            assertThat(longValue(pf, Attributes.of(THREAD, "acc-churn-*", ft, "minor"))).isEqualTo(7);
            assertThat(longValue(pf, Attributes.of(THREAD, "pool-2-thread-*", ft, "minor"))).isEqualTo(10);
        } finally {
            t.close();
        }
    }

    @Test
    void runQueueLog2HistogramBecomesExactExplicitBuckets() {
        long[] slots = new long[64];
        slots[0] = 1;   // 0..1 ns
        slots[9] = 2;   // 512..1023 ns: below the first boundary (1023 ns)
        slots[10] = 3;  // 1024..2047 ns: bucket 1 (boundary 16383 ns)
        slots[11] = 4;  // 2048..4095 ns: bucket 1
        slots[14] = 5;  // 16384..32767 ns: bucket 2
        slots[30] = 6;  // ~1.07..2.1 s: past the last boundary (2^30-1 ns): overflow bucket
        telemetry.onRunQueueLatency(10, slots, 123_456_789L);
        long[] more = slots.clone();
        more[11] += 10;
        telemetry.onRunQueueLatency(10, more, 223_456_789L);
        telemetry.onRunQueueLatency(11, slots, 1_000_000_000L);

        MetricData h = collect().get("kernel.runqueue.latency");
        assertThat(h.getType()).isEqualTo(MetricDataType.HISTOGRAM);
        assertThat(h.getUnit()).isEqualTo("s");
        assertThat(h.getHistogramData().getAggregationTemporality()).isEqualTo(AggregationTemporality.CUMULATIVE);
        HistogramPointData p = h.getHistogramData().getPoints().iterator().next();
        // one distribution for the process; the per-group split is kernel.runqueue.time
        assertThat(p.getAttributes()).isEqualTo(Attributes.empty());
        assertThat(h.getHistogramData().getPoints()).hasSize(1);
        List<Double> b = p.getBoundaries();
        assertThat(b).hasSize(6);
        assertThat(b.get(0)).isCloseTo(1023e-9, within(1e-15));
        assertThat(b.get(1)).isCloseTo(16383e-9, within(1e-15));
        assertThat(b.get(5)).isCloseTo(((1L << 30) - 1) / 1e9, within(1e-15));
        List<Long> c = p.getCounts();
        assertThat(c).hasSize(7);
        // two threads with the same slots, plus 10 more in slot 11 from the second update
        assertThat(c.get(0)).isEqualTo(2 * (1 + 2));
        assertThat(c.get(1)).isEqualTo(2 * (3 + 4) + 10);
        assertThat(c.get(2)).isEqualTo(2 * 5);
        assertThat(c.get(6)).isEqualTo(2 * 6);
        assertThat(doubleValue(collect().get("kernel.runqueue.time"), Attributes.of(THREAD, "pool-1-thread-*")))
                .isCloseTo(0.223456789 + 1.0, within(1e-9));
        assertThat(c.stream().mapToLong(Long::longValue).sum()).isEqualTo(p.getCount()).isEqualTo(2 * 21 + 10);
        assertThat(p.getSum()).isCloseTo(0.223456789 + 1.0, within(1e-9));
        assertThat(p.getStartEpochNanos()).isPositive().isLessThanOrEqualTo(p.getEpochNanos());
    }

    @Test
    void missingSumIsEstimatedFromSlotMidpoints() {
        long[] slots = new long[64];
        slots[20] = 4; // 2^20 .. 2^21-1 ns, midpoint 1.5 * 2^20 - 0.5
        telemetry.onRunQueueLatency(20, slots, -1);
        HistogramPointData p = collect().get("kernel.runqueue.latency").getHistogramData().getPoints().iterator().next();
        assertThat(p.getSum()).isCloseTo(4 * (1.5 * (1 << 20) - 0.5) / 1e9, within(1e-12));
    }

    @Test
    void syscallsGetNamesLatencyAndErrors() {
        telemetry.close();
        telemetry = KernelTelemetry.builder(NAMES).addMetricReader(reader = InMemoryMetricReader.create())
                .spanMode(SpanMode.OFF).syscallSeries(new SyscallSeries(SyscallSeries.ALL, true)).build();
        long[] slots = new long[64];
        slots[14] = 9;
        telemetry.onSyscall(20, 0, 9, 2, slots, 9 * 20_000L);
        telemetry.onSyscall(20, 232, 1, 0, new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 20_000_000L);

        Map<String, MetricData> m = collect();
        MetricData d = m.get("kernel.syscall.duration");
        AttributeKey<String> sys = AttributeKey.stringKey("syscall.name");
        HistogramPointData read = d.getHistogramData().getPoints().stream()
                .filter(p -> "read".equals(p.getAttributes().get(sys))).findFirst().orElseThrow();
        assertThat(read.getAttributes().get(THREAD)).isEqualTo("main");
        assertThat(read.getCount()).isEqualTo(9);
        // slot 14 = 16..32 µs: between the boundaries 2^14-1 ns and 2^18-1 ns, bucket 2
        assertThat(read.getCounts().get(2)).isEqualTo(9);
        assertThat(d.getHistogramData().getPoints()).anyMatch(p -> "epoll_wait".equals(p.getAttributes().get(sys)));
        MetricData e = m.get("kernel.syscall.errors");
        assertThat(longValue(e, Attributes.of(THREAD, "main", sys, "read"))).isEqualTo(2);
        // no error series for a call that never failed
        assertThat(e.getLongSumData().getPoints()).hasSize(1);
    }

    /**
     * The cumulative values of round {@code calls} of the ranking test: {@code calls} calls of
     * futex on two threads, read (one failed), write and close on a third, with the times of round
     * 1 plus {@code extraNs}.
     */
    private void syscallRound(long calls, long extraNs) {
        long[] slots = new long[64];
        slots[10] = calls;
        telemetry.onSyscall(10, 202, calls, 0, slots, 3_000_000_000L + extraNs);
        telemetry.onSyscall(11, 202, calls, 0, slots, 2_000_000_000L + extraNs);
        telemetry.onSyscall(20, 0, calls, 1, slots, 2_000_000_000L + extraNs);
        telemetry.onSyscall(20, 1, calls, 0, slots, 1_000_000_000L + extraNs);
        telemetry.onSyscall(20, 3, calls, 0, slots, 1_000_000L + extraNs);
    }

    @Test
    void syscallsOutsideTheTopByTimeAreOtherAndSeriesArePerCallByDefault() {
        telemetry.close();
        telemetry = KernelTelemetry.builder(NAMES).addMetricReader(reader = InMemoryMetricReader.create())
                .spanMode(SpanMode.OFF).syscallSeries(new SyscallSeries(2, false)).build();
        // round 1: futex (202) 5 s, read (0) 2 s, write (1) 1 s, close (3) 1 ms: futex and read rank
        syscallRound(1, 0);
        // ranked from the third collection on
        telemetry.onSyscallsCollected();
        telemetry.onSyscallsCollected();
        telemetry.onSyscallsCollected();
        // round 2: the same cumulative values plus one more call of each
        syscallRound(2, 1);
        telemetry.onSyscallsCollected();

        Map<String, MetricData> m = collect();
        AttributeKey<String> sys = AttributeKey.stringKey("syscall.name");
        Map<String, Long> counts = m.get("kernel.syscall.duration").getHistogramData().getPoints().stream()
                .peek(p -> assertThat(p.getAttributes().get(THREAD)).isNull())
                .collect(Collectors.toMap(p -> p.getAttributes().get(sys), HistogramPointData::getCount));
        // round 1 went to "other" (nothing was ranked yet), round 2 of the named calls to their own series
        assertThat(counts).containsOnlyKeys("futex", "read", "other");
        assertThat(counts.get("futex")).isEqualTo(2);
        assertThat(counts.get("read")).isEqualTo(1);
        assertThat(counts.get("other")).isEqualTo(5 + 2);
        // the error of read happened in round 1, before it was named
        MetricData errors = m.get("kernel.syscall.errors");
        assertThat(errors.getLongSumData().getPoints()).singleElement()
                .satisfies(p -> assertThat(p.getAttributes().get(sys)).isEqualTo("other"))
                .satisfies(p -> assertThat(p.getValue()).isEqualTo(1));
    }

    @Test
    void tcpConnectAndFileIoHistogramsCarryTheirAttributes() {
        long[] slots = new long[64];
        slots[17] = 1;
        telemetry.onTcpConnect(20, ConnectOutcome.REFUSED, slots, 150_000);
        telemetry.onFileIo(20, FileKind.REGULAR, IoDirection.WRITE, 10, slots, 150_000);
        Map<String, MetricData> m = collect();
        HistogramPointData c = m.get("kernel.tcp.connect.duration").getHistogramData().getPoints().iterator().next();
        assertThat(c.getAttributes()).as("per outcome, not per thread group")
                .isEqualTo(Attributes.of(AttributeKey.stringKey("outcome"), "refused"));
        assertThat(c.getBoundaries().get(0)).isCloseTo(((1L << 14) - 1) / 1e9, within(1e-15));
        HistogramPointData f = m.get("kernel.file.io.duration").getHistogramData().getPoints().iterator().next();
        assertThat(f.getAttributes().get(AttributeKey.stringKey("file.kind"))).isEqualTo("regular");
        assertThat(f.getAttributes().get(AttributeKey.stringKey("io.direction"))).isEqualTo("write");
    }

    @Test
    void gcAndVmEventsUseSdkHistograms() {
        telemetry.onGcPause("G1 Young Generation", "end of minor GC", 0, 3_000_000L);
        telemetry.onGcPause("G1 Young Generation", "end of minor GC", 0, 7_000_000L);
        telemetry.onVmOperation("G1CollectForAllocation", 0, 4_000_000L);

        Map<String, MetricData> m = collect();
        HistogramPointData gc = m.get("jvm.gc.duration").getHistogramData().getPoints().iterator().next();
        assertThat(m.get("jvm.gc.duration").getUnit()).isEqualTo("s");
        assertThat(gc.getAttributes()).isEqualTo(Attributes.of(
                AttributeKey.stringKey("jvm.gc.name"), "G1 Young Generation",
                AttributeKey.stringKey("jvm.gc.action"), "end of minor GC"));
        assertThat(gc.getCount()).isEqualTo(2);
        assertThat(gc.getSum()).isCloseTo(0.010, within(1e-12));
        assertThat(gc.getBoundaries()).isEqualTo(KernelMetrics.PAUSE_BOUNDARIES);
        HistogramPointData vm = m.get("kernel.jvm.vm_operation.duration").getHistogramData().getPoints().iterator().next();
        assertThat(vm.getAttributes().get(AttributeKey.stringKey("jvm.vm_operation.name"))).isEqualTo("G1CollectForAllocation");
    }

    @Test
    void jitCompilationsAreCumulativeKernelCountsAndHistograms() {
        long[] slots = new long[64];
        slots[16] = 3;  // 65-131 us: short C1 compilations
        slots[21] = 1;  // ~2-4 ms
        telemetry.onJitCompilations("c1", true, 4, slots, 3 * 100_000L + 3_000_000L);
        long[] failed = new long[64];
        failed[20] = 1;
        telemetry.onJitCompilations("c2", false, 1, failed, 1_500_000L);
        // the next round: cumulative values, only the increase counts
        slots[16] = 5;
        telemetry.onJitCompilations("c1", true, 6, slots, 5 * 100_000L + 3_000_000L);

        Map<String, MetricData> m = collect();
        MetricData jit = m.get("kernel.jvm.jit.compilations");
        AttributeKey<String> comp = AttributeKey.stringKey("jvm.jit.compiler");
        AttributeKey<String> outcome = AttributeKey.stringKey("outcome");
        assertThat(longValue(jit, Attributes.of(comp, "c1", outcome, "success"))).isEqualTo(6);
        assertThat(longValue(jit, Attributes.of(comp, "c2", outcome, "failure"))).isEqualTo(1);
        assertThat(jit.getLongSumData().getPoints()).as("only the outcomes that occurred").hasSize(2);
        MetricData duration = m.get("kernel.jvm.jit.compilation.duration");
        assertThat(duration.getUnit()).isEqualTo("s");
        HistogramPointData c1 = duration.getHistogramData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(Attributes.of(comp, "c1", outcome, "success"))).findFirst()
                .orElseThrow();
        assertThat(c1.getCount()).isEqualTo(6);
        assertThat(c1.getSum()).isCloseTo(0.0035, within(1e-12));
        assertThat(c1.getBoundaries().get(0)).isCloseTo(((1L << 12) - 1) / 1e9, within(1e-15));
    }

    @Test
    void cardinalityIsCappedWithAnOverflowSeries() {
        KernelTelemetry t = KernelTelemetry.builder(tid -> new ThreadKey(tid, "t" + tid, "t" + tid, tid))
                .addMetricReader(reader = InMemoryMetricReader.create()).spanMode(SpanMode.OFF)
                .cardinalityLimit(5).build();
        try {
            long[] slots = new long[64];
            slots[12] = 1;
            for (int tid = 1; tid <= 20; tid++) {
                t.onPageFaults(tid, 1, 0);
                t.onRunQueueLatency(tid, slots, 5000);
                t.onGcPause("gc" + tid, "a", 0, 1000);
            }
            Map<String, MetricData> m = collect();
            AttributeKey<Boolean> overflow = AttributeKey.booleanKey("otel.metric.overflow");
            // page faults: 2 series per thread group (minor, major); capped at 5 series
            var pf = m.get("process.paging.faults").getLongSumData().getPoints();
            assertThat(pf).hasSizeLessThanOrEqualTo(5);
            assertThat(pf.stream().mapToLong(LongPointData::getValue).sum()).isEqualTo(20);
            assertThat(pf).anyMatch(p -> Boolean.TRUE.equals(p.getAttributes().get(overflow)));
            var rq = m.get("kernel.runqueue.latency").getHistogramData().getPoints();
            assertThat(rq).hasSize(1);
            assertThat(rq.stream().mapToLong(HistogramPointData::getCount).sum()).isEqualTo(20);
            var rqTime = m.get("kernel.runqueue.time").getDoubleSumData().getPoints();
            assertThat(rqTime).hasSizeLessThanOrEqualTo(5);
            assertThat(rqTime).anyMatch(p -> Boolean.TRUE.equals(p.getAttributes().get(overflow)));
            var gc = m.get("jvm.gc.duration").getHistogramData().getPoints();
            assertThat(gc).hasSize(5);
            assertThat(gc).anyMatch(p -> Boolean.TRUE.equals(p.getAttributes().get(overflow)));
        } finally {
            t.close();
        }
    }

    @Test
    void threadGroupingReplacesTrailingDigits() {
        assertThat(ThreadNames.groupOf("pool-1-thread-7")).isEqualTo("pool-1-thread-*");
        assertThat(ThreadNames.groupOf("GC Thread#3")).isEqualTo("GC Thread#*");
        assertThat(ThreadNames.groupOf("C2 CompilerThread0")).isEqualTo("C2 CompilerThread*");
        assertThat(ThreadNames.groupOf("main")).isEqualTo("main");
        assertThat(ThreadNames.groupOf("42")).isEqualTo("42");
    }

    @Test
    void spanBreakdownIsOneHistogramValuePerSpanAndStateUnderTheSpanNameAndRoute() {
        String[] states = {"cpu", "runqueue", "lock", "network", "disk", "sleep", "other"};
        telemetry.onSpanBreakdown("GET /orders", "/orders", states, new long[] {20_000_000L, 1_000_000L, 30_000_000L, 0, 5_000_000L, 40_000_000L, 0});
        telemetry.onSpanBreakdown("GET /orders", "/orders", states, new long[] {10_000_000L, 0, 0, 0, 0, 0, 0});
        telemetry.onSpanBreakdown("work", null, states, new long[] {1_000_000L, 0, 0, 0, 0, 0, 0});
        // the first network wait of the route, at its third span
        telemetry.onSpanBreakdown("GET /orders", "/orders", states, new long[] {1_000_000L, 0, 0, 50_000_000L, 0, 0, 0});

        MetricData spanTime = collect().get("kernel.span.time");
        assertThat(spanTime.getUnit()).isEqualTo("s");
        var points = spanTime.getHistogramData().getPoints();
        var lock = points.stream().filter(p -> p.getAttributes().equals(Attributes.of(
                AttributeKey.stringKey("span.name"), "GET /orders", AttributeKey.stringKey("http.route"), "/orders",
                AttributeKey.stringKey("kernel.state"), "lock"))).findFirst().orElseThrow();
        assertThat(lock.getCount()).as("one value per span, zeros included").isEqualTo(3);
        assertThat(lock.getSum()).isCloseTo(0.030, within(1e-9));
        var network = points.stream().filter(p -> p.getAttributes().equals(Attributes.of(
                AttributeKey.stringKey("span.name"), "GET /orders", AttributeKey.stringKey("http.route"), "/orders",
                AttributeKey.stringKey("kernel.state"), "network"))).findFirst().orElseThrow();
        assertThat(network.getCount()).as("a state's series starts with a zero for every earlier span").isEqualTo(3);
        assertThat(network.getCounts().get(0)).as("the two zeros, in the first bucket").isEqualTo(2);
        assertThat(network.getSum()).isCloseTo(0.050, within(1e-9));
        var cpu = points.stream().filter(p -> p.getAttributes().equals(Attributes.of(
                AttributeKey.stringKey("span.name"), "work", AttributeKey.stringKey("kernel.state"), "cpu")))
                .findFirst().orElseThrow();
        assertThat(cpu.getSum()).as("no route attribute when the span has none").isCloseTo(0.001, within(1e-9));
        // GET /orders: cpu, runqueue, lock, network, disk, sleep (never "other"); work: cpu only
        assertThat(points).as("no series for a state no span of the pair reached").hasSize(7);
    }
}
