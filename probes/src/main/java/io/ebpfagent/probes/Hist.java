package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * The log2 nanosecond histograms of the probe objects ({@code struct hist}): slot i counts
 * values v with 2^i <= v < 2^(i+1), slot 0 also counts 0.
 */
public final class Hist {
    /** Slots of every histogram. */
    public static final int SLOTS = 64;

    private Hist() {
    }

    /** Copies the 64 slots at {@code offset} of {@code segment} into {@code into}. */
    static void copy(MemorySegment segment, long offset, long[] into) {
        if (into.length < SLOTS) {
            throw new IllegalArgumentException("histogram buffer needs " + SLOTS + " slots, has " + into.length);
        }
        MemorySegment.copy(segment, JAVA_LONG, offset, into, 0, SLOTS);
    }

    /** The lower bound in nanoseconds of slot {@code i} (0 for slot 0). */
    public static long lowerBoundNs(int i) {
        return i == 0 ? 0 : 1L << i;
    }
}
