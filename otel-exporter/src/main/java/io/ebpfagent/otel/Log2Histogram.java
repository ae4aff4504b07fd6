package io.ebpfagent.otel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The kernel's log2 latency histograms and their exact conversion to OpenTelemetry
 * explicit-bucket histograms.
 *
 * <p>Kernel layout: slot {@code i} counts integer nanosecond values {@code v} with
 * {@code floor(log2(v)) == i}, that is {@code 2^i <= v <= 2^(i+1) - 1}; {@code v == 0} counts in
 * slot 0. OTel buckets are upper-inclusive {@code (b[k-1], b[k]]}. Choosing every boundary as
 * {@code 2^e - 1} ns makes each kernel slot fall entirely into one OTel bucket, so the
 * conversion is exact, not interpolated: slot {@code i} goes to the first bucket whose boundary
 * exponent {@code e} is greater than {@code i}, slots at or past the last exponent go to the
 * overflow bucket.
 */
public final class Log2Histogram {
    /** Slots of a kernel histogram: one per bit of a 64-bit nanosecond value. */
    public static final int SLOTS = 64;

    private final int[] exponents;
    private final List<Double> boundariesSeconds;
    /** OTel bucket index of each kernel slot. */
    private final byte[] bucketOfSlot = new byte[SLOTS];

    private Log2Histogram(int[] exponents) {
        this.exponents = exponents.clone();
        List<Double> b = new ArrayList<>(exponents.length);
        for (int e : exponents) {
            b.add(((1L << e) - 1) / 1e9);
        }
        this.boundariesSeconds = Collections.unmodifiableList(b);
        for (int slot = 0; slot < SLOTS; slot++) {
            int bucket = exponents.length;
            for (int k = 0; k < exponents.length; k++) {
                if (slot < exponents[k]) {
                    bucket = k;
                    break;
                }
            }
            bucketOfSlot[slot] = (byte) bucket;
        }
    }

    /**
     * Boundaries at {@code 2^e - 1} ns for {@code e = minExp, minExp + step, ... <= maxExp}; e.g.
     * {@code (10, 30, 2)} spans about 1 µs to 1 s in factors of 4.
     */
    public static Log2Histogram powersOfTwo(int minExp, int maxExp, int step) {
        if (minExp < 1 || maxExp > 62 || minExp > maxExp || step < 1) {
            throw new IllegalArgumentException("bad exponent range " + minExp + ".." + maxExp + " step " + step);
        }
        int n = (maxExp - minExp) / step + 1;
        int[] e = new int[n];
        for (int i = 0; i < n; i++) {
            e[i] = minExp + i * step;
        }
        return new Log2Histogram(e);
    }

    /** The OTel bucket boundaries, in seconds. */
    public List<Double> boundariesSeconds() {
        return boundariesSeconds;
    }

    /** Number of OTel buckets (boundaries + 1). */
    public int bucketCount() {
        return exponents.length + 1;
    }

    /** The OTel bucket index that kernel slot {@code slot} belongs to. */
    public int bucketOf(int slot) {
        return bucketOfSlot[slot];
    }

    /** Adds kernel slot counts into OTel bucket counts ({@code buckets.length == bucketCount()}). */
    public void addSlots(long[] slots, long[] buckets) {
        int n = Math.min(slots.length, SLOTS);
        for (int i = 0; i < n; i++) {
            buckets[bucketOfSlot[i]] += slots[i];
        }
    }

    /** Estimated sum in ns of a kernel histogram with no recorded sum: each slot at its midpoint. */
    public static double estimatedSumNs(long[] slots) {
        double sum = 0;
        int n = Math.min(slots.length, SLOTS);
        for (int i = 0; i < n; i++) {
            if (slots[i] != 0) {
                // slot 0 holds 0 and 1 ns; slot i holds 2^i .. 2^(i+1)-1
                double mid = i == 0 ? 0.5 : Math.scalb(1.5, i) - 0.5;
                sum += mid * slots[i];
            }
        }
        return sum;
    }

    /** Index of the kernel slot value {@code ns} falls in (what the probe computes). */
    public static int slotOf(long ns) {
        return ns <= 0 ? 0 : 63 - Long.numberOfLeadingZeros(ns);
    }
}
