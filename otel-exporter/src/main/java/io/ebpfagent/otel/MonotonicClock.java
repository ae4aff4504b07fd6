package io.ebpfagent.otel;

import java.time.Instant;

/**
 * Converts kernel CLOCK_MONOTONIC timestamps ({@code bpf_ktime_get_ns}) to epoch nanoseconds
 * with an offset measured once at startup.
 *
 * <p>On Linux, HotSpot's {@link System#nanoTime()} reads CLOCK_MONOTONIC, so the offset is
 * {@code epoch - nanoTime} sampled back to back; the sample with the shortest {@code nanoTime}
 * bracket around the wall-clock read wins, bounding the error by that bracket (a few µs at
 * most). The offset is not re-measured: NTP slewing after startup shifts span times by at most
 * the slew accumulated since, which is small next to the intervals reported.
 */
public final class MonotonicClock {
    private final long offsetNs;

    private MonotonicClock(long offsetNs) {
        this.offsetNs = offsetNs;
    }

    /** Measures the offset now. */
    public static MonotonicClock measure() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 16; i++) {
            long before = System.nanoTime();
            Instant now = Instant.now();
            long after = System.nanoTime();
            long bracket = after - before;
            if (bracket < best) {
                best = bracket;
                long epoch = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                offset = epoch - (before + bracket / 2);
            }
        }
        return new MonotonicClock(offset);
    }

    /** A clock with a known offset (tests, or an offset the agent measured itself). */
    public static MonotonicClock withOffset(long epochMinusMonotonicNs) {
        return new MonotonicClock(epochMinusMonotonicNs);
    }

    /** Epoch nanoseconds of a CLOCK_MONOTONIC timestamp. */
    public long toEpochNanos(long monotonicNs) {
        return monotonicNs + offsetNs;
    }

    /** {@code epoch - monotonic}, in ns. */
    public long offsetNs() {
        return offsetNs;
    }
}
