package io.ebpfagent.otel.internal;

import io.ebpfagent.otel.ConnectOutcome;
import io.ebpfagent.otel.FileKind;
import io.ebpfagent.otel.IoDirection;
import io.ebpfagent.otel.Log2Histogram;
import io.ebpfagent.otel.SyscallNames;
import io.ebpfagent.otel.ThreadKey;
import io.ebpfagent.otel.ThreadNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates the agent's cumulative per-thread kernel signals into per-thread-group series and
 * exposes them to the OpenTelemetry SDK.
 *
 * <p>Counters are observable SDK instruments (so SDK views and cardinality limits apply).
 * Latency histograms come from the kernel already aggregated into log2 slots, which no SDK
 * instrument can accept without replaying every sample, so they are produced as
 * {@link MetricData} by this {@link MetricProducer}: explicit buckets at {@code 2^e - 1} ns (see
 * {@link Log2Histogram}), <b>cumulative temporality</b> (what the kernel maps hold and what
 * Prometheus needs), start time = when the series was first seen. JIT compilations arrive
 * counted and bucketed by the kernel too (per compiler and outcome, not per thread). GC pauses
 * and VM operations arrive as single events and go to synchronous SDK histograms.
 *
 * <p>All state is guarded by one lock: the agent's collection thread updates, the SDK's reader
 * threads collect. Internal class: use {@code io.ebpfagent.otel.KernelTelemetry}.
 */
public final class KernelMetrics implements MetricProducer {
    public static final String SCOPE = "io.ebpfagent.otel";

    /** ~1 µs .. ~1 s in factors of 4. */
    public static final Log2Histogram LATENCY_LAYOUT = Log2Histogram.powersOfTwo(10, 30, 2);
    /** ~16 µs .. ~4 s in factors of 4: connects include a network round trip. */
    public static final Log2Histogram CONNECT_LAYOUT = Log2Histogram.powersOfTwo(14, 32, 2);
    /** Pause-like events in seconds, 100 µs .. 10 s. */
    public static final List<Double> PAUSE_BOUNDARIES =
            List.of(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);
    /** JIT compilations, ~4 µs .. ~17 s in factors of 4. */
    public static final Log2Histogram JIT_LAYOUT = Log2Histogram.powersOfTwo(12, 34, 2);
    /** {@code file.kind} of the bytes a thread moved before the I/O probe saw it. */
    static final String FILE_KIND_UNKNOWN = "unknown";
    /** Kernel time of a span by state: from 100 us to 10 s. */
    public static final List<Double> SPAN_TIME_BOUNDARIES = List.of(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
            0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);
    private static final String OTHER_SPAN = "other";

    private static final Attributes VOLUNTARY = Attributes.of(Attrs.CONTEXT_SWITCH_TYPE, "voluntary");
    private static final Attributes INVOLUNTARY = Attributes.of(Attrs.CONTEXT_SWITCH_TYPE, "involuntary");

    private final Object lock = new Object();
    private final ThreadNames names;
    private final Clock clock;
    private final InstrumentationScopeInfo scope;
    private final IntObjectMap<ThreadState> threads = new IntObjectMap<>(256);
    private final long[] scratch = new long[Log2Histogram.SLOTS];

    private final SeriesTable<CounterSeries> cpuTime;
    private final SeriesTable<CounterSeries> offCpuTime;
    private final SeriesTable<CounterSeries> contextSwitches;
    private final SeriesTable<CounterSeries> pagingFaults;
    private final SeriesTable<CounterSeries> diskIo;
    private final SeriesTable<CounterSeries> networkIo;
    private final SeriesTable<CounterSeries> syscallErrors;
    private final SeriesTable<CounterSeries> retransmits;
    private final SeriesTable<HistogramSeries> runQueue;
    private final SeriesTable<HistogramSeries> syscallDuration;
    private final SeriesTable<HistogramSeries> fileIoDuration;
    private final SeriesTable<HistogramSeries> connectDuration;
    private final SeriesTable<CounterSeries> jitCount;
    private final SeriesTable<HistogramSeries> jitDuration;

    private final DoubleHistogram gcDuration;
    private final DoubleHistogram vmOperationDuration;
    private final DoubleHistogram spanTime;
    private final int spanNameLimit;
    private final java.util.Map<String, Attributes[]> spanAttributes = new java.util.HashMap<>();
    /** Attribute sets of event metrics, by name: looked up without allocating. */
    private final Map<String, Map<String, Attributes>> gcAttributes = new HashMap<>();
    private final Map<String, Attributes> vmAttributes = new HashMap<>();
    /** Cumulative JIT cells by compiler, [failure, success]. */
    private final Map<String, JitCells[]> jitCells = new HashMap<>();

    /** The last cumulative kernel values of one (compiler, outcome). */
    private static final class JitCells {
        final CounterCell count = new CounterCell();
        final HistogramCell duration = new HistogramCell();
    }
    private final BatchCallback callback;
    /** Cumulative records lost per (probe, buffer). */
    private final Map<Attributes, Long> droppedTotals = new HashMap<>();

    public KernelMetrics(Meter meter, ThreadNames names, int cardinalityLimit, Clock clock) {
        this.names = names;
        this.clock = clock;
        this.scope = InstrumentationScopeInfo.builder(SCOPE).build();
        // Counters pass through the SDK, whose own limit counts our overflow series as one more
        // attribute set: one less here keeps the SDK from folding a second time.
        int counterLimit = Math.max(2, cardinalityLimit - 1);
        cpuTime = new SeriesTable<>(counterLimit, CounterSeries::new);
        offCpuTime = new SeriesTable<>(counterLimit, CounterSeries::new);
        contextSwitches = new SeriesTable<>(counterLimit, CounterSeries::new);
        pagingFaults = new SeriesTable<>(counterLimit, CounterSeries::new);
        diskIo = new SeriesTable<>(counterLimit, CounterSeries::new);
        networkIo = new SeriesTable<>(counterLimit, CounterSeries::new);
        syscallErrors = new SeriesTable<>(counterLimit, CounterSeries::new);
        retransmits = new SeriesTable<>(counterLimit, CounterSeries::new);
        runQueue = histogramTable(cardinalityLimit, LATENCY_LAYOUT);
        syscallDuration = histogramTable(cardinalityLimit, LATENCY_LAYOUT);
        fileIoDuration = histogramTable(cardinalityLimit, LATENCY_LAYOUT);
        connectDuration = histogramTable(cardinalityLimit, CONNECT_LAYOUT);
        jitCount = new SeriesTable<>(counterLimit, CounterSeries::new);
        jitDuration = histogramTable(cardinalityLimit, JIT_LAYOUT);

        var cpu = meter.counterBuilder(MetricNames.CPU_TIME).ofDoubles().setUnit("s")
                .setDescription("Time threads spent on a CPU, from the scheduler").buildObserver();
        var offCpu = meter.counterBuilder(MetricNames.OFF_CPU_TIME).ofDoubles().setUnit("s")
                .setDescription("Time threads spent switched out, by reason").buildObserver();
        var switches = meter.counterBuilder(MetricNames.CONTEXT_SWITCHES).setUnit("{context_switch}")
                .setDescription("Context switches of threads, by type").buildObserver();
        var faults = meter.counterBuilder(MetricNames.PAGING_FAULTS).setUnit("{fault}")
                .setDescription("Page faults of threads, by type").buildObserver();
        var disk = meter.counterBuilder(MetricNames.DISK_IO).setUnit("By")
                .setDescription("Bytes read from and written to regular files and block devices").buildObserver();
        var net = meter.counterBuilder(MetricNames.NETWORK_IO).setUnit("By")
                .setDescription("Bytes received and transmitted on sockets").buildObserver();
        var errors = meter.counterBuilder(MetricNames.SYSCALL_ERRORS).setUnit("{error}")
                .setDescription("Syscalls that returned an error, by syscall").buildObserver();
        var retrans = meter.counterBuilder(MetricNames.TCP_RETRANSMITS).setUnit("{segment}")
                .setDescription("TCP segments retransmitted").buildObserver();
        var jit = meter.counterBuilder(MetricNames.JIT_COMPILATIONS).setUnit("{compilation}")
                .setDescription("JIT compilations, by compiler and outcome").buildObserver();
        var dropped = meter.counterBuilder(MetricNames.EVENTS_DROPPED).setUnit("{event}")
                .setDescription("Records a probe lost in the kernel because its buffer was full, by probe and buffer")
                .buildObserver();
        callback = meter.batchCallback(() -> {
            synchronized (lock) {
                recordSeconds(cpu, cpuTime);
                recordSeconds(offCpu, offCpuTime);
                record(switches, contextSwitches);
                record(faults, pagingFaults);
                record(disk, diskIo);
                record(net, networkIo);
                record(errors, syscallErrors);
                record(retrans, retransmits);
                record(jit, jitCount);
                droppedTotals.forEach((attributes, total) -> dropped.record(total, attributes));
            }
        }, cpu, offCpu, switches, faults, disk, net, errors, retrans, jit, dropped);

        gcDuration = meter.histogramBuilder(MetricNames.GC_DURATION).setUnit("s")
                .setDescription("Duration of JVM garbage collection pauses")
                .setExplicitBucketBoundariesAdvice(PAUSE_BOUNDARIES).build();
        vmOperationDuration = meter.histogramBuilder(MetricNames.VM_OPERATION_DURATION).setUnit("s")
                .setDescription("Duration of HotSpot VM operations")
                .setExplicitBucketBoundariesAdvice(PAUSE_BOUNDARIES).build();
        spanTime = meter.histogramBuilder(MetricNames.SPAN_TIME).setUnit("s")
                .setDescription("Kernel time of application spans, summed over the threads each span was current "
                        + "on, by state (cpu, runqueue, lock, network, disk, sleep, other) and its overlap with GC "
                        + "pauses and safepoints (gc, safepoint)")
                .setExplicitBucketBoundariesAdvice(SPAN_TIME_BOUNDARIES).build();
        spanNameLimit = Math.max(1, cardinalityLimit / 8);
    }

    /**
     * One value per state for a span that is done. Series are bounded: past {@code spanNameLimit}
     * distinct (name, route) pairs, new pairs are recorded under {@value #OTHER_SPAN}.
     */
    public void onSpanBreakdown(String spanName, String httpRoute, String[] states, long[] nanosByState) {
        Attributes[] byState;
        synchronized (lock) {
            String key = httpRoute == null ? spanName : spanName + '\u0000' + httpRoute;
            byState = spanAttributes.get(key);
            if (byState == null) {
                boolean full = spanAttributes.size() >= spanNameLimit;
                byState = spanAttributes.get(full ? OTHER_SPAN : key);
                if (byState == null) {
                    byState = new Attributes[states.length];
                    for (int i = 0; i < states.length; i++) {
                        var b = Attributes.builder().put(Attrs.SPAN_NAME, full ? OTHER_SPAN : spanName)
                                .put(Attrs.KERNEL_STATE, states[i]);
                        if (!full && httpRoute != null) {
                            b.put(Attrs.HTTP_ROUTE, httpRoute);
                        }
                        byState[i] = b.build();
                    }
                    spanAttributes.put(full ? OTHER_SPAN : key, byState);
                }
            }
        }
        for (int i = 0; i < byState.length && i < nanosByState.length; i++) {
            spanTime.record(nanosByState[i] / 1e9, byState[i]);
        }
    }

    private SeriesTable<HistogramSeries> histogramTable(int limit, Log2Histogram layout) {
        return new SeriesTable<>(limit, a -> new HistogramSeries(a, clock.now(), layout.bucketCount()));
    }

    // ---------------------------------------------------------------- per-thread cumulative signals

    public void onCpuTime(int tid, long onCpuNs, long offVoluntaryNs, long offInvoluntaryNs) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            link(t, t.onCpu, cpuTime, null, null).update(onCpuNs);
            link(t, t.offCpuVoluntary, offCpuTime, Attrs.OFF_CPU_REASON, "voluntary").update(offVoluntaryNs);
            link(t, t.offCpuInvoluntary, offCpuTime, Attrs.OFF_CPU_REASON, "involuntary").update(offInvoluntaryNs);
        }
    }

    public void onContextSwitches(int tid, long voluntary, long involuntary) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            link(t, t.switchesVoluntary, contextSwitches, Attrs.CONTEXT_SWITCH_TYPE, "voluntary").update(voluntary);
            link(t, t.switchesInvoluntary, contextSwitches, Attrs.CONTEXT_SWITCH_TYPE, "involuntary").update(involuntary);
        }
    }

    public void onPageFaults(int tid, long minor, long major) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            link(t, t.minorFaults, pagingFaults, Attrs.PAGING_FAULT_TYPE, "minor").update(minor);
            link(t, t.majorFaults, pagingFaults, Attrs.PAGING_FAULT_TYPE, "major").update(major);
        }
    }

    public void onIoBeforeAttach(int tid, long readBytes, long writtenBytes) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            beforeAttach(t, t.readBeforeAttach, IoDirection.READ, readBytes);
            beforeAttach(t, t.writtenBeforeAttach, IoDirection.WRITE, writtenBytes);
        }
    }

    /** A direction without bytes gets no series (most threads wrote nothing before the attach). */
    private void beforeAttach(ThreadState t, CounterCell cell, IoDirection direction, long bytes) {
        if (cell.generation != t.generation) {
            if (bytes == 0 && cell.series == null) {
                return;
            }
            cell.series = diskIo.seriesFor(groupAttributes(t).toBuilder()
                    .put(Attrs.DISK_IO_DIRECTION, direction.diskValue())
                    .put(Attrs.FILE_KIND, FILE_KIND_UNKNOWN).build());
            cell.generation = t.generation;
        }
        cell.update(bytes);
    }

    public void onRetransmit(int tid, long segments) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            link(t, t.retransmits, retransmits, null, null).update(segments);
        }
    }

    public void onRunQueueLatency(int tid, long[] slots, long sumNs) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            if (t.runQueue == null) {
                t.runQueue = new HistogramCell();
            }
            HistogramCell c = t.runQueue;
            if (c.generation != t.generation) {
                c.series = runQueue.seriesFor(groupAttributes(t));
                c.generation = t.generation;
            }
            c.update(LATENCY_LAYOUT, slots, sumNs, scratch);
        }
    }

    public void onSyscall(int tid, int nr, long count, long errors, long[] slots, long sumNs) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            if (t.syscalls == null) {
                t.syscalls = new IntObjectMap<>(16);
            }
            ThreadState.SyscallCells cells = t.syscalls.get(nr);
            if (cells == null) {
                cells = new ThreadState.SyscallCells();
                t.syscalls.put(nr, cells);
            }
            if (cells.latency.generation != t.generation) {
                Attributes a = groupAttributes(t).toBuilder().put(Attrs.SYSCALL_NAME, SyscallNames.name(nr)).build();
                cells.latency.series = syscallDuration.seriesFor(a);
                cells.latency.generation = t.generation;
                cells.errors.series = syscallErrors.seriesFor(a);
                cells.errors.generation = t.generation;
            }
            cells.latency.update(LATENCY_LAYOUT, slots, sumNs, scratch);
            cells.errors.update(errors);
        }
    }

    public void onFileIo(int tid, FileKind kind, IoDirection direction, long bytes, long[] slots, long sumNs) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            if (t.files == null) {
                t.files = new ThreadState.FileCells[FileKind.values().length * 2];
            }
            int idx = kind.ordinal() * 2 + direction.ordinal();
            ThreadState.FileCells cells = t.files[idx];
            if (cells == null) {
                cells = new ThreadState.FileCells();
                t.files[idx] = cells;
            }
            if (cells.latency.generation != t.generation) {
                Attributes group = groupAttributes(t);
                cells.latency.series = fileIoDuration.seriesFor(group.toBuilder()
                        .put(Attrs.FILE_KIND, kind.value()).put(Attrs.IO_DIRECTION, direction.diskValue()).build());
                cells.latency.generation = t.generation;
                cells.bytes.series = switch (kind) {
                    case REGULAR, BLOCK_DEVICE -> diskIo.seriesFor(
                            group.toBuilder().put(Attrs.DISK_IO_DIRECTION, direction.diskValue()).build());
                    case SOCKET -> networkIo.seriesFor(
                            group.toBuilder().put(Attrs.NETWORK_IO_DIRECTION, direction.networkValue()).build());
                    default -> null;
                };
                cells.bytes.generation = t.generation;
            }
            cells.latency.update(LATENCY_LAYOUT, slots, sumNs, scratch);
            if (cells.bytes.series != null) {
                cells.bytes.update(bytes);
            }
        }
    }

    public void onTcpConnect(int tid, ConnectOutcome outcome, long[] slots, long sumNs) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            if (t.connects == null) {
                t.connects = new HistogramCell[ConnectOutcome.values().length];
            }
            HistogramCell c = t.connects[outcome.ordinal()];
            if (c == null) {
                c = new HistogramCell();
                t.connects[outcome.ordinal()] = c;
            }
            if (c.generation != t.generation) {
                c.series = connectDuration.seriesFor(
                        groupAttributes(t).toBuilder().put(Attrs.OUTCOME, outcome.value()).build());
                c.generation = t.generation;
            }
            c.update(CONNECT_LAYOUT, slots, sumNs, scratch);
        }
    }

    /** The cumulative count of records {@code probe} lost because {@code buffer} was full. */
    public void onDropped(String probe, String buffer, long total) {
        synchronized (lock) {
            droppedTotals.put(Attributes.of(Attrs.PROBE, probe, Attrs.BUFFER, buffer), total);
        }
    }

    // ---------------------------------------------------------------- events

    public void onGcPause(String gcName, String action, long durationNs) {
        Attributes a;
        synchronized (lock) {
            Map<String, Attributes> byAction = gcAttributes.get(gcName);
            if (byAction == null) {
                byAction = new HashMap<>();
                gcAttributes.put(gcName, byAction);
            }
            a = byAction.get(action);
            if (a == null) {
                a = Attributes.of(Attrs.GC_NAME, gcName, Attrs.GC_ACTION, action);
                byAction.put(action, a);
            }
        }
        gcDuration.record(durationNs / 1e9, a);
    }

    public void onVmOperation(String name, long durationNs) {
        Attributes a;
        synchronized (lock) {
            a = vmAttributes.get(name);
            if (a == null) {
                a = Attributes.of(Attrs.VM_OPERATION_NAME, name);
                vmAttributes.put(name, a);
            }
        }
        vmOperationDuration.record(durationNs / 1e9, a);
    }

    public void onJitCompilations(String compiler, boolean success, long count, long[] slots, long sumNs) {
        synchronized (lock) {
            JitCells[] pair = jitCells.get(compiler);
            if (pair == null) {
                pair = new JitCells[2];
                jitCells.put(compiler, pair);
            }
            JitCells c = pair[success ? 1 : 0];
            if (c == null) {
                Attributes a = Attributes.of(Attrs.JIT_COMPILER, compiler, Attrs.OUTCOME, success ? "success" : "failure");
                c = new JitCells();
                c.count.series = jitCount.seriesFor(a);
                c.duration.series = jitDuration.seriesFor(a);
                pair[success ? 1 : 0] = c;
            }
            c.count.update(count);
            c.duration.update(JIT_LAYOUT, slots, sumNs, scratch);
        }
    }

    // ---------------------------------------------------------------- threads

    /** Who {@code tid} is (resolving it on first sight). */
    public ThreadKey threadKey(int tid) {
        synchronized (lock) {
            return thread(tid).key;
        }
    }

    public void onThreadEnding(int tid) {
        synchronized (lock) {
            ThreadState t = threads.get(tid);
            if (t != null && t.key.javaId() < 0) {
                ThreadKey now = resolve(tid);
                if (!now.equals(t.key)) {
                    t.key = now;
                    t.generation++;
                }
            }
        }
    }

    public void onThreadExit(int tid) {
        synchronized (lock) {
            threads.remove(tid);
        }
    }

    public void onThreadRenamed(int tid) {
        synchronized (lock) {
            ThreadState t = threads.get(tid);
            if (t != null) {
                t.key = resolve(tid);
                t.generation++;
            }
        }
    }

    /** Number of tids with state (exited threads are dropped). */
    public int trackedThreads() {
        synchronized (lock) {
            return threads.size();
        }
    }

    private ThreadState thread(int tid) {
        ThreadState t = threads.get(tid);
        if (t == null) {
            t = new ThreadState(resolve(tid));
            threads.put(tid, t);
        }
        return t;
    }

    private ThreadKey resolve(int tid) {
        ThreadKey k = null;
        try {
            k = names.resolve(tid);
        } catch (RuntimeException e) {
            // a failing registry must not stop collection; the thread stays unnamed
        }
        return k != null ? k : ThreadKey.unknown(tid);
    }

    private static Attributes groupAttributes(ThreadState t) {
        return Attributes.of(Attrs.THREAD_NAME, t.key.group());
    }

    private static CounterCell link(ThreadState t, CounterCell cell, SeriesTable<CounterSeries> table,
                                    AttributeKey<String> key, String value) {
        if (cell.generation != t.generation) {
            Attributes a = key == null
                    ? groupAttributes(t)
                    : Attributes.of(Attrs.THREAD_NAME, t.key.group(), key, value);
            cell.series = table.seriesFor(a);
            cell.generation = t.generation;
        }
        return cell;
    }

    // ---------------------------------------------------------------- export

    private static void record(ObservableLongMeasurement m, SeriesTable<CounterSeries> table) {
        for (CounterSeries s : table.all()) {
            m.record(s.value, s.attributes);
        }
    }

    private static void recordSeconds(ObservableDoubleMeasurement m, SeriesTable<CounterSeries> table) {
        for (CounterSeries s : table.all()) {
            m.record(s.value / 1e9, s.attributes);
        }
    }

    @Override
    public Collection<MetricData> produce(Resource resource) {
        long now = clock.now();
        List<MetricData> out = new ArrayList<>(4);
        synchronized (lock) {
            addHistogram(out, resource, MetricNames.RUNQUEUE_LATENCY,
                    "Time runnable threads waited for a CPU", runQueue, LATENCY_LAYOUT, now);
            addHistogram(out, resource, MetricNames.SYSCALL_DURATION,
                    "Duration of syscalls, by syscall", syscallDuration, LATENCY_LAYOUT, now);
            addHistogram(out, resource, MetricNames.FILE_IO_DURATION,
                    "Duration of reads and writes, by file kind and direction", fileIoDuration, LATENCY_LAYOUT, now);
            addHistogram(out, resource, MetricNames.TCP_CONNECT_DURATION,
                    "Duration of TCP connects, by outcome", connectDuration, CONNECT_LAYOUT, now);
            addHistogram(out, resource, MetricNames.JIT_COMPILATION_DURATION,
                    "Duration of JIT compilations, by compiler and outcome", jitDuration, JIT_LAYOUT, now);
        }
        return out;
    }

    private void addHistogram(List<MetricData> out, Resource resource, String name, String description,
                              SeriesTable<HistogramSeries> table, Log2Histogram layout, long now) {
        if (table.size() == 0) {
            return;
        }
        List<HistogramPointData> points = new ArrayList<>(table.size());
        for (HistogramSeries s : table.all()) {
            List<Long> counts = new ArrayList<>(s.buckets.length);
            for (long c : s.buckets) {
                counts.add(c);
            }
            points.add(HistogramPointData.create(s.startEpochNanos, now, s.attributes, s.sumNs / 1e9,
                    false, 0, false, 0, layout.boundariesSeconds(), counts));
        }
        out.add(new ProducedMetric(resource, scope, name, description, "s",
                HistogramData.create(AggregationTemporality.CUMULATIVE, points)));
    }

    /** Stops the SDK from calling the counter callback. */
    public void close() {
        callback.close();
    }
}
