package io.ebpfagent.otel;

/**
 * Which series the system-call metrics get. A JVM makes calls of some 50 kinds; a series per
 * kind (and per thread group) is mostly noise. By default only the {@code topN} calls with the
 * most total time in the process are named, every other call counts as {@code syscall.name="other"},
 * and the series are per call only, not per thread group.
 *
 * @param topN     calls named in the metrics: the first {@code topN} that ranked among the
 *                 {@code topN} by total time of the application's threads at a collection (from
 *                 the third on; a name once given stays, so counters stay monotonic);
 *                 {@link #ALL} names every call
 * @param byThread whether the series are also split by {@code thread.name}
 */
public record SyscallSeries(int topN, boolean byThread) {
    /** Every call gets its own series. */
    public static final int ALL = 1024;

    public SyscallSeries {
        if (topN < 0) {
            throw new IllegalArgumentException("topN must be >= 0: " + topN);
        }
    }

    public static SyscallSeries defaults() {
        return new SyscallSeries(6, false);
    }
}
