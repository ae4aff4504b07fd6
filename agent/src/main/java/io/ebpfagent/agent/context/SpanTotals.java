package io.ebpfagent.agent.context;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Kernel time per span, summed over every scope of the span on every thread (a request thread
 * and the pool threads it hands work to add into the same entry). A fixed open-addressing table
 * keyed by span id, lock-free and allocation-free: an entry is claimed with a CAS on its key and
 * its values are added atomically. Entries are never removed; one untouched for
 * {@code maxAgeNanos} is taken over by a new span, so the table holds the spans of the last
 * moments, which is all a scope close needs.
 */
final class SpanTotals {
    private static final int PROBES = 16;
    /** Marks an entry being claimed; a span whose id happens to be this value is not accounted. */
    private static final long CLAIMING = Long.MIN_VALUE;
    private final int mask;
    private final AtomicLongArray keys;
    private final AtomicLongArray stamps;
    private final AtomicLongArray values;
    private final long maxAgeNanos;

    /** {@code capacity} is rounded up to a power of two. */
    SpanTotals(int capacity, long maxAgeNanos) {
        int size = Integer.highestOneBit(Math.max(PROBES, capacity - 1)) << 1;
        this.mask = size - 1;
        this.keys = new AtomicLongArray(size);
        this.stamps = new AtomicLongArray(size);
        this.values = new AtomicLongArray(size * KernelTimes.COUNT);
        this.maxAgeNanos = maxAgeNanos;
    }

    /**
     * Adds {@code delta[0 .. COUNT)} to span {@code spanId}'s totals and copies the new totals
     * into {@code totals}; false (nothing added) when the table has no room near the span's hash.
     */
    boolean add(long spanId, long[] delta, long[] totals, long now) {
        if (spanId == 0 || spanId == CLAIMING) {
            return false;
        }
        int entry = entryOf(spanId, now);
        if (entry < 0) {
            return false;
        }
        stamps.set(entry, now);
        int base = entry * KernelTimes.COUNT;
        for (int i = 0; i < KernelTimes.COUNT; i++) {
            long d = delta[i];
            totals[i] = d == 0 ? values.get(base + i) : values.addAndGet(base + i, d);
        }
        return true;
    }

    private int entryOf(long spanId, long now) {
        int start = (int) mix(spanId) & mask;
        for (int probe = 0; probe < PROBES; probe++) {
            int entry = (start + probe) & mask;
            long key = keys.get(entry);
            for (int spins = 0; key == CLAIMING && spins < 1000; spins++) {
                Thread.onSpinWait();
                key = keys.get(entry);
            }
            if (key == spanId) {
                return entry;
            }
            boolean stale = key != 0 && key != CLAIMING && now - stamps.get(entry) > maxAgeNanos;
            // Claimed in two steps, so that nobody adds to the entry before its values are zero.
            if ((key == 0 || stale) && keys.compareAndSet(entry, key, CLAIMING)) {
                stamps.set(entry, now);
                int base = entry * KernelTimes.COUNT;
                for (int i = 0; i < KernelTimes.COUNT; i++) {
                    values.set(base + i, 0);
                }
                keys.set(entry, spanId);
                return entry;
            }
            if (keys.get(entry) == spanId) {
                return entry; // another thread claimed it for the same span meanwhile
            }
        }
        return -1;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x;
    }
}
