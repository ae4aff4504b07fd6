package io.ebpfagent.otel;

import java.util.Objects;

/**
 * A span-worthy interval the kernel measured on one thread. Times are CLOCK_MONOTONIC
 * nanoseconds ({@code bpf_ktime_get_ns}); the exporter converts them to epoch time.
 *
 * @param kind             what was measured
 * @param tid              the OS thread id
 * @param startMonotonicNs start, CLOCK_MONOTONIC ns
 * @param durationNs       length in ns
 * @param parent           the application span current on the thread, or {@code null}
 * @param reason           off-CPU reason ({@link OffCpuReason#NONE} for other kinds)
 * @param syscallNr        x86_64 syscall number for {@link IntervalKind#SLOW_SYSCALL}, else -1
 * @param target           what the interval was about: file path, peer {@code host:port}, GC or
 *                         VM operation name; {@code null} when none
 */
public record KernelInterval(IntervalKind kind, int tid, long startMonotonicNs, long durationNs,
                             SpanParent parent, OffCpuReason reason, int syscallNr, String target) {

    public KernelInterval {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        if (durationNs < 0) {
            throw new IllegalArgumentException("negative duration " + durationNs);
        }
    }

    /** An off-CPU interval. */
    public static KernelInterval offCpu(int tid, long startNs, long durationNs, OffCpuReason reason, SpanParent parent) {
        return new KernelInterval(IntervalKind.OFF_CPU, tid, startNs, durationNs, parent, reason, -1, null);
    }

    /** A slow syscall; {@code target} may name the file or peer it touched. */
    public static KernelInterval syscall(int tid, long startNs, long durationNs, int nr, String target, SpanParent parent) {
        return new KernelInterval(IntervalKind.SLOW_SYSCALL, tid, startNs, durationNs, parent, OffCpuReason.NONE, nr, target);
    }

    /** An interval of another kind with an optional target. */
    public static KernelInterval of(IntervalKind kind, int tid, long startNs, long durationNs, String target, SpanParent parent) {
        return new KernelInterval(kind, tid, startNs, durationNs, parent, OffCpuReason.NONE, -1, target);
    }

    /** End, CLOCK_MONOTONIC ns. */
    public long endMonotonicNs() {
        return startMonotonicNs + durationNs;
    }
}
