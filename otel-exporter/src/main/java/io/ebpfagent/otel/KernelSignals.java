package io.ebpfagent.otel;

/**
 * The sink the agent's collection loop feeds with what the probes measured.
 *
 * <p>Contract shared by every method:
 * <ul>
 *   <li>Per-thread counters and histograms are <b>cumulative since the thread's first
 *       observation</b> (what a BPF hash map keyed by tid holds). The exporter keeps the last
 *       value per tid and folds only the increase into the thread group's series, so a tid that
 *       exits or whose kernel entry was recycled (a value went down) never makes a series go
 *       backwards.</li>
 *   <li>Latency histograms are log2 histograms in nanoseconds, see {@link Log2Histogram}: slot
 *       {@code i} counts values {@code v} with {@code floor(log2(v)) == i}, {@code v == 0}
 *       counting in slot 0; at most {@link Log2Histogram#SLOTS} slots. A {@code sumNs} below
 *       zero means the probe has no sum; the exporter then estimates it from slot midpoints.</li>
 *   <li>Arrays are read during the call only, never kept: the caller may reuse them.</li>
 *   <li>Calls allocate nothing once a (tid, attribute set) has been seen; all methods are
 *       thread-safe but meant for one collection thread.</li>
 *   <li>Timestamps are CLOCK_MONOTONIC nanoseconds, like {@code bpf_ktime_get_ns()}.</li>
 * </ul>
 */
public interface KernelSignals {

    /** Scheduler time of a thread: on CPU, and off CPU split by why it left. */
    void onCpuTime(int tid, long onCpuNs, long offCpuVoluntaryNs, long offCpuInvoluntaryNs);

    /** Context switches of a thread. */
    void onContextSwitches(int tid, long voluntary, long involuntary);

    /** Time the thread spent runnable but waiting for a CPU. */
    void onRunQueueLatency(int tid, long[] log2BucketsNs, long sumNs);

    /** One syscall number on one thread: calls, failed calls (negative return), latency. */
    void onSyscall(int tid, int nr, long count, long errors, long[] log2BucketsNs, long sumNs);

    /** Reads or writes of one file kind in one direction on one thread. */
    void onFileIo(int tid, FileKind kind, IoDirection direction, long bytes, long[] log2BucketsNs, long sumNs);

    /** TCP connects of a thread that ended with {@code outcome}. */
    void onTcpConnect(int tid, ConnectOutcome outcome, long[] log2BucketsNs, long sumNs);

    /** TCP segments retransmitted for sockets of a thread ({@code tid} 0: softirq, no thread). */
    void onRetransmit(int tid, long segments);

    /** Page faults of a thread. */
    void onPageFaults(int tid, long minor, long major);

    /**
     * Bytes a thread read and wrote before the I/O probe first counted its I/O (from
     * {@code /proc/<pid>/task/<tid>/io}), which no descriptor kind can be told for.
     */
    void onIoBeforeAttach(int tid, long readBytes, long writtenBytes);

    /** The end of a round of {@link #onSyscall} calls: the moment to rank the calls by time. */
    default void onSyscallsCollected() {
    }

    /** Cumulative bytes of the block requests a thread submitted to storage in one direction. */
    default void onDiskIo(int tid, IoDirection direction, long bytes) {
    }

    /**
     * One GC pause (an event, not cumulative).
     *
     * @param gcName the collector, e.g. {@code G1 Young Generation}
     * @param action e.g. {@code end of minor GC}
     */
    void onGcPause(String gcName, String action, long startNs, long durationNs);

    /** One HotSpot VM operation (an event, not cumulative), e.g. {@code G1CollectForAllocation}. */
    void onVmOperation(String name, long startNs, long durationNs);

    /**
     * Every JIT compilation that ended with {@code success} by one compiler, cumulative since the
     * probe attached: the count and the log2 histogram of their durations.
     *
     * @param compiler the compiler as HotSpot names it, e.g. {@code c1}, {@code c2}
     */
    void onJitCompilations(String compiler, boolean success, long count, long[] log2BucketsNs, long sumNs);

    /**
     * Whether an interval of {@code kind} lasting {@code durationNs} would become a span: lets the
     * caller skip building a {@link KernelInterval} for intervals below the minimum duration.
     */
    boolean wantsInterval(IntervalKind kind, long durationNs);

    /** A kernel interval that becomes a span (if at least the minimum duration). */
    void onInterval(KernelInterval interval);

    /**
     * The thread exited and its final values follow. A thread the exporter knows by no Java
     * identity (resolved while it was starting, before the JVM had named it, or a JVM-internal
     * thread) is resolved once more through {@link ThreadNames}, so that what remains to be added
     * goes to the name the thread ended with.
     */
    void onThreadEnding(int tid);

    /** The thread exited: its per-tid state is dropped (its totals stay in its group). */
    void onThreadExit(int tid);

    /** The thread was renamed: the tid is resolved again through {@link ThreadNames}. */
    void onThreadRenamed(int tid);

    /**
     * The kernel time of one application span that is done, summed over the threads it was
     * current on: {@code nanosByState} in the order of {@code states} (e.g. cpu, runqueue, lock,
     * network, disk, sleep, other). {@code httpRoute} may be null.
     */
    default void onSpanBreakdown(String spanName, String httpRoute, String[] states, long[] nanosByState) {
    }

    /**
     * The cumulative number of records {@code probe} lost in the kernel because {@code buffer}
     * ({@code ring_buffer}, {@code perf_buffer}, {@code sample_map}) was full.
     */
    default void onDropped(String probe, String buffer, long total) {
    }
}
