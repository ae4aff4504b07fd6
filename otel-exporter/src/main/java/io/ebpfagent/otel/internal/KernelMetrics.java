package io.ebpfagent.otel.internal;

import io.ebpfagent.otel.ConnectOutcome;
import io.ebpfagent.otel.FileKind;
import io.ebpfagent.otel.IoDirection;
import io.ebpfagent.otel.Log2Histogram;
import io.ebpfagent.otel.SyscallNames;
import io.ebpfagent.otel.SyscallSeries;
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

    /*
     * Bucket layouts are coarse on purpose: every bucket is a Prometheus series per attribute
     * set, and the kernel's log2 slots stay exact for the sum and count. Factors of 16 keep a
     * histogram at 9 series (7 buckets, sum, count).
     */
    /** ~1 µs .. ~1 s in factors of 16. */
    public static final Log2Histogram LATENCY_LAYOUT = Log2Histogram.powersOfTwo(10, 30, 4);
    /** ~16 µs .. ~1 s in factors of 16: connects include a network round trip. */
    public static final Log2Histogram CONNECT_LAYOUT = Log2Histogram.powersOfTwo(14, 30, 4);
    /** GC pauses: the semantic conventions' advice for {@code jvm.gc.duration}. */
    public static final List<Double> PAUSE_BOUNDARIES = List.of(0.01, 0.1, 1.0, 10.0);
    /** VM operations, most well under a millisecond, 100 µs .. 1 s. */
    public static final List<Double> VM_OPERATION_BOUNDARIES = List.of(0.0001, 0.001, 0.01, 0.1, 1.0);
    /** JIT compilations, ~4 µs .. ~4 s in factors of 16. */
    public static final Log2Histogram JIT_LAYOUT = Log2Histogram.powersOfTwo(12, 32, 4);
    /** {@code file.kind} of the bytes a thread moved before the I/O probe saw it. */
    static final String FILE_KIND_UNKNOWN = "unknown";
    /**
     * Kernel time of a span by state, in decades from 1 ms to 1 s: 7 lines per span name, route
     * and state in Prometheus' text format. Finer buckets multiply with every route (16 of them
     * made 855 of the demo shop's 1,443 series).
     */
    public static final List<Double> SPAN_TIME_BOUNDARIES = List.of(0.001, 0.01, 0.1, 1.0);
    private static final String OTHER_SPAN = "other";
    /** {@code syscall.name} of the calls outside the named top N. */
    public static final String OTHER_SYSCALL = "other";

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
    private final SeriesTable<CounterSeries> fileIo;
    private final SeriesTable<CounterSeries> networkIo;
    private final SeriesTable<CounterSeries> syscallErrors;
    private final SeriesTable<CounterSeries> retransmits;
    private final SeriesTable<HistogramSeries> runQueue;
    private final SeriesTable<CounterSeries> runQueueTime;
    private final SeriesTable<HistogramSeries> syscallDuration;
    private final SeriesTable<HistogramSeries> fileIoDuration;
    private final SeriesTable<HistogramSeries> connectDuration;
    private final SeriesTable<CounterSeries> jitCount;
    private final SeriesTable<HistogramSeries> jitDuration;

    private final DoubleHistogram gcDuration;
    private final DoubleHistogram vmOperationDuration;
    private final DoubleHistogram spanTime;
    private final int spanNameLimit;
    private final java.util.Map<String, SpanStates> spanStates = new java.util.HashMap<>();
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
    private final SyscallSeries syscallSeries;
    /** Total time of each syscall number in the process so far, for the ranking. */
    private final long[] syscallTimeNs = new long[SyscallNames.size() + 1];
    /** Syscall numbers named in the metrics (the rest are "other"); only ever grows. */
    private final boolean[] syscallNamed = new boolean[SyscallNames.size() + 1];
    private int syscallNamedCount;
    /** Bumped when a syscall gets its name: the cells of "other" link again. */
    private int syscallNaming;
    private final Map<String, Attributes> syscallAttributes = new HashMap<>();
    private int syscallRounds;
    /** Collection rounds before the syscalls are ranked. */
    static final int RANKING_FROM_ROUND = 3;
    /** Thread groups of the agent itself. */
    private static final String AGENT_THREADS = "ebpf-agent-";
    private final BatchCallback callback;
    /** Cumulative records lost per (probe, buffer). */
    private final Map<Attributes, Long> droppedTotals = new HashMap<>();

    public KernelMetrics(Meter meter, ThreadNames names, int cardinalityLimit, Clock clock) {
        this(meter, names, cardinalityLimit, clock, SyscallSeries.defaults());
    }

    public KernelMetrics(Meter meter, ThreadNames names, int cardinalityLimit, Clock clock,
                         SyscallSeries syscallSeries) {
        this.names = names;
        this.syscallSeries = syscallSeries;
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
        fileIo = new SeriesTable<>(counterLimit, CounterSeries::new);
        networkIo = new SeriesTable<>(counterLimit, CounterSeries::new);
        syscallErrors = new SeriesTable<>(counterLimit, CounterSeries::new);
        retransmits = new SeriesTable<>(counterLimit, CounterSeries::new);
        runQueue = histogramTable(cardinalityLimit, LATENCY_LAYOUT);
        runQueueTime = new SeriesTable<>(counterLimit, CounterSeries::new);
        syscallDuration = histogramTable(cardinalityLimit, LATENCY_LAYOUT);
        fileIoDuration = histogramTable(cardinalityLimit, LATENCY_LAYOUT);
        connectDuration = histogramTable(cardinalityLimit, CONNECT_LAYOUT);
        jitCount = new SeriesTable<>(counterLimit, CounterSeries::new);
        jitDuration = histogramTable(cardinalityLimit, JIT_LAYOUT);

        var cpu = meter.counterBuilder(MetricNames.CPU_TIME).ofDoubles().setUnit("s")
                .setDescription("Time threads spent on a CPU, from the scheduler").buildObserver();
        var offCpu = meter.counterBuilder(MetricNames.OFF_CPU_TIME).ofDoubles().setUnit("s")
                .setDescription("Time threads spent switched out, by reason").buildObserver();
        var runq = meter.counterBuilder(MetricNames.RUNQUEUE_TIME).ofDoubles().setUnit("s")
                .setDescription("Time runnable threads waited for a CPU, by thread group").buildObserver();
        var switches = meter.counterBuilder(MetricNames.CONTEXT_SWITCHES).setUnit("{context_switch}")
                .setDescription("Context switches of threads, by type").buildObserver();
        var faults = meter.counterBuilder(MetricNames.PAGING_FAULTS).setUnit("{fault}")
                .setDescription("Page faults of threads, by type").buildObserver();
        var disk = meter.counterBuilder(MetricNames.DISK_IO).setUnit("By")
                .setDescription("Storage bytes: block requests (bios) the threads submitted, by direction").buildObserver();
        var file = meter.counterBuilder(MetricNames.FILE_IO).setUnit("By")
                .setDescription("Bytes read from and written to files by read/write calls (page cache hits included), "
                        + "by direction and file kind").buildObserver();
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
                recordSeconds(runq, runQueueTime);
                record(switches, contextSwitches);
                record(faults, pagingFaults);
                record(disk, diskIo);
                record(file, fileIo);
                record(net, networkIo);
                record(errors, syscallErrors);
                record(retrans, retransmits);
                record(jit, jitCount);
                droppedTotals.forEach((attributes, total) -> dropped.record(total, attributes));
            }
        }, cpu, offCpu, runq, switches, faults, disk, file, net, errors, retrans, jit, dropped);

        gcDuration = meter.histogramBuilder(MetricNames.GC_DURATION).setUnit("s")
                .setDescription("Duration of JVM garbage collection pauses")
                .setExplicitBucketBoundariesAdvice(PAUSE_BOUNDARIES).build();
        vmOperationDuration = meter.histogramBuilder(MetricNames.VM_OPERATION_DURATION).setUnit("s")
                .setDescription("Duration of HotSpot VM operations")
                .setExplicitBucketBoundariesAdvice(VM_OPERATION_BOUNDARIES).build();
        spanTime = meter.histogramBuilder(MetricNames.SPAN_TIME).setUnit("s")
                .setDescription("Kernel time of application spans, summed over the threads each span was current "
                        + "on, by state (cpu, runqueue, lock, network, disk, sleep, other) and its overlap with GC "
                        + "pauses and safepoints (gc, safepoint)")
                .setExplicitBucketBoundariesAdvice(SPAN_TIME_BOUNDARIES).build();
        spanNameLimit = Math.max(1, cardinalityLimit / 8);
    }

    /**
     * One value per state for a span that is done. Series are bounded: past {@code spanNameLimit}
     * distinct (name, route) pairs, new pairs are recorded under {@value #OTHER_SPAN}. A state's
     * series starts with the pair's first span that spent time in it, holding then a zero for each
     * earlier span of the pair: the histogram is what it would have been from the start, and a
     * state no span of the pair ever reached (disk for a route that does no I/O) costs no series.
     */
    public void onSpanBreakdown(String spanName, String httpRoute, String[] states, long[] nanosByState) {
        SpanStates pair;
        synchronized (lock) {
            String key = httpRoute == null ? spanName : spanName + '\u0000' + httpRoute;
            pair = spanStates.get(key);
            if (pair == null) {
                boolean full = spanStates.size() >= spanNameLimit;
                pair = spanStates.get(full ? OTHER_SPAN : key);
                if (pair == null) {
                    Attributes[] byState = new Attributes[states.length];
                    for (int i = 0; i < states.length; i++) {
                        var b = Attributes.builder().put(Attrs.SPAN_NAME, full ? OTHER_SPAN : spanName)
                                .put(Attrs.KERNEL_STATE, states[i]);
                        if (!full && httpRoute != null) {
                            b.put(Attrs.HTTP_ROUTE, httpRoute);
                        }
                        byState[i] = b.build();
                    }
                    pair = new SpanStates(byState);
                    spanStates.put(full ? OTHER_SPAN : key, pair);
                }
            }
        }
        pair.record(spanTime, nanosByState);
    }

    /** The states of one (span name, route) pair: which have a series yet, how many spans so far. */
    private static final class SpanStates {
        private final Attributes[] attributes;
        private final boolean[] started;
        private long spans;

        SpanStates(Attributes[] attributes) {
            this.attributes = attributes;
            this.started = new boolean[attributes.length];
        }

        synchronized void record(DoubleHistogram histogram, long[] nanosByState) {
            for (int i = 0; i < attributes.length && i < nanosByState.length; i++) {
                long nanos = nanosByState[i];
                if (!started[i]) {
                    if (nanos <= 0) {
                        continue;
                    }
                    started[i] = true;
                    for (long k = 0; k < spans; k++) {
                        histogram.record(0, attributes[i]);
                    }
                }
                histogram.record(nanos / 1e9, attributes[i]);
            }
            spans++;
        }
    }

    private SeriesTable<HistogramSeries> histogramTable(int limit, Log2Histogram layout) {
        return new SeriesTable<>(limit, a -> new HistogramSeries(a, clock.now(), layout.bucketCount()));
    }

    // ---------------------------------------------------------------- per-thread cumulative signals

    public void onCpuTime(int tid, long onCpuNs, long offVoluntaryNs, long offInvoluntaryNs) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            count(t, t.onCpu, cpuTime, null, null, onCpuNs);
            count(t, t.offCpuVoluntary, offCpuTime, Attrs.OFF_CPU_REASON, "voluntary", offVoluntaryNs);
            count(t, t.offCpuInvoluntary, offCpuTime, Attrs.OFF_CPU_REASON, "involuntary", offInvoluntaryNs);
        }
    }

    public void onContextSwitches(int tid, long voluntary, long involuntary) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            count(t, t.switchesVoluntary, contextSwitches, Attrs.CONTEXT_SWITCH_TYPE, "voluntary", voluntary);
            count(t, t.switchesInvoluntary, contextSwitches, Attrs.CONTEXT_SWITCH_TYPE, "involuntary", involuntary);
        }
    }

    public void onPageFaults(int tid, long minor, long major) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            count(t, t.minorFaults, pagingFaults, Attrs.PAGING_FAULT_TYPE, "minor", minor);
            count(t, t.majorFaults, pagingFaults, Attrs.PAGING_FAULT_TYPE, "major", major);
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
            cell.series = fileIo.seriesFor(groupAttributes(t).toBuilder()
                    .put(Attrs.IO_DIRECTION, direction.diskValue())
                    .put(Attrs.FILE_KIND, FILE_KIND_UNKNOWN).build());
            cell.generation = t.generation;
        }
        cell.update(bytes);
    }

    public void onRetransmit(int tid, long segments) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            count(t, t.retransmits, retransmits, null, null, segments);
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
                // one distribution for the process (a histogram per thread group is 9 series
                // each); how long each group waited in total is the counter below
                c.series = runQueue.seriesFor(Attributes.empty());
                c.generation = t.generation;
            }
            c.update(LATENCY_LAYOUT, slots, sumNs, scratch);
            if (sumNs >= 0) {
                count(t, t.runQueueTime, runQueueTime, null, null, sumNs);
            }
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
            // the agent's own calls (loading the probes: bpf, mmap, openat...) do not rank
            if (sumNs >= 0 && !t.key.group().startsWith(AGENT_THREADS)) {
                int slot = rankSlot(nr);
                long delta = sumNs >= cells.lastSumNs ? sumNs - cells.lastSumNs : sumNs;
                cells.lastSumNs = sumNs;
                syscallTimeNs[slot] += delta;
            }
            if (cells.latency.generation != t.generation || cells.naming != syscallNaming) {
                Attributes a = syscallAttributes(t, nr);
                cells.latency.series = syscallDuration.seriesFor(a);
                cells.latency.generation = t.generation;
                cells.errors.series = null; // linked at the first error
                cells.errors.generation = t.generation;
                cells.naming = syscallNaming;
            }
            cells.latency.update(LATENCY_LAYOUT, slots, sumNs, scratch);
            // no series for calls that never failed (most never do), nor after a relink until a new error
            if (cells.errors.series == null && errors > cells.errors.last) {
                cells.errors.series = syscallErrors.seriesFor(syscallAttributes(t, nr));
            }
            if (cells.errors.series != null) {
                cells.errors.update(errors);
            } else {
                cells.errors.last = errors;
            }
        }
    }

    private int rankSlot(int nr) {
        return nr >= 0 && nr < SyscallNames.size() ? nr : SyscallNames.size();
    }

    /**
     * After a round of {@link #onSyscall} calls: from the third round on, names the calls that
     * rank among the top N by total time of the application's threads. A name, once given, stays
     * (its series keeps counting; the cells of the call link to it at their next update, what
     * they counted before stays in "other"), and names stop at N.
     */
    public void onSyscallsCollected() {
        synchronized (lock) {
            // the first rounds see the JVM's start-up, not its work
            if (++syscallRounds >= RANKING_FROM_ROUND) {
                rankSyscalls();
            }
        }
    }

    private void rankSyscalls() {
        int n = syscallSeries.topN();
        if (n >= SyscallSeries.ALL || n == 0 || syscallNamedCount >= n) {
            return;
        }
        boolean changed = false;
        boolean[] taken = new boolean[syscallTimeNs.length];
        for (int rank = 0; rank < n && syscallNamedCount < n; rank++) {
            int best = -1;
            for (int nr = 0; nr < SyscallNames.size(); nr++) {
                if (!taken[nr] && syscallTimeNs[nr] > 0 && (best < 0 || syscallTimeNs[nr] > syscallTimeNs[best])) {
                    best = nr;
                }
            }
            if (best < 0) {
                break;
            }
            taken[best] = true;
            if (!syscallNamed[best]) {
                syscallNamed[best] = true;
                syscallNamedCount++;
                changed = true;
            }
        }
        if (changed) {
            syscallNaming++;
        }
    }

    private String syscallName(int nr) {
        int n = syscallSeries.topN();
        boolean named = n >= SyscallSeries.ALL || (nr >= 0 && nr < SyscallNames.size() && syscallNamed[nr]);
        return named ? SyscallNames.name(nr) : OTHER_SYSCALL;
    }

    private Attributes syscallAttributes(ThreadState t, int nr) {
        String name = syscallName(nr);
        if (syscallSeries.byThread()) {
            return groupAttributes(t).toBuilder().put(Attrs.SYSCALL_NAME, name).build();
        }
        Attributes a = syscallAttributes.get(name);
        if (a == null) {
            a = Attributes.of(Attrs.SYSCALL_NAME, name);
            syscallAttributes.put(name, a);
        }
        return a;
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
                // per kind and direction only: a series per thread group of every kind is mostly noise
                cells.latency.series = fileIoDuration.seriesFor(Attributes.of(
                        Attrs.FILE_KIND, kind.value(), Attrs.IO_DIRECTION, direction.diskValue()));
                cells.latency.generation = t.generation;
                cells.bytes.series = switch (kind) {
                    case REGULAR, BLOCK_DEVICE -> fileIo.seriesFor(group.toBuilder()
                            .put(Attrs.IO_DIRECTION, direction.diskValue()).put(Attrs.FILE_KIND, kind.value()).build());
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

    /** Cumulative bytes of the block requests (bios) thread {@code tid} submitted in one direction. */
    public void onDiskIo(int tid, IoDirection direction, long bytes) {
        synchronized (lock) {
            ThreadState t = thread(tid);
            CounterCell cell = direction == IoDirection.READ ? t.diskRead : t.diskWritten;
            count(t, cell, diskIo, Attrs.DISK_IO_DIRECTION, direction.diskValue(), bytes);
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
            if (c.series == null) {
                // per outcome only, so a renamed thread keeps its series: a histogram per thread
                // group and outcome cost more series than it told (slow or failed connects are
                // spans, with their thread)
                c.series = connectDuration.seriesFor(Attributes.of(Attrs.OUTCOME, outcome.value()));
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

    /**
     * Folds a thread's cumulative value into its series. A value still zero gets no series: most
     * threads never fault a page in, never get preempted, never retransmit.
     */
    private static void count(ThreadState t, CounterCell cell, SeriesTable<CounterSeries> table,
                              AttributeKey<String> key, String value, long now) {
        if (cell.generation != t.generation && now == 0 && cell.last == 0) {
            return;
        }
        link(t, cell, table, key, value).update(now);
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
