package io.ebpfagent.agent.context;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads a thread's cumulative kernel-time counters from its slot of the sched probe's mmapped
 * {@code span_times} array (96 bytes per slot, layout in {@code SchedLayouts.SpanTimes}), with
 * plain loads. The kernel writes a slot only when its thread switches, so the thread reading its
 * own slot sees a stable value unless it is switched out in the middle of the read; the switch-in
 * time changes then, and the read is retried.
 *
 * <p>Values, in nanoseconds, in the order of {@link #NAMES}: on-CPU (the running slice included),
 * run-queue wait, then blocked time by cause.
 */
public final class KernelTimes {
    /** Attribute suffixes of the values, in order. */
    public static final String[] NAMES = {"cpu", "runqueue", "lock", "network", "disk", "sleep", "other"};
    public static final int COUNT = NAMES.length;
    public static final int CPU = 0;
    static final long SLOT_SIZE = 96;
    private static final long ONCPU_NS = 0;
    private static final long ONCPU_SINCE = 8;
    private static final long RUNQ_NS = 16;

    private final MemorySegment slots;
    private final int capacity;

    KernelTimes(MemorySegment slots) {
        this.slots = slots;
        this.capacity = (int) Math.min(Integer.MAX_VALUE, slots.byteSize() / SLOT_SIZE);
    }

    int capacity() {
        return capacity;
    }

    /**
     * Starts slot {@code slot} over for the calling thread, which was just given it and is running:
     * zero counters, the running slice counted from now. Must happen before the kernel learns the
     * thread's slot (the kernel then writes the entry only when the thread switches); without it the
     * slice running at the binding would be missed and a previous owner's values would remain.
     */
    void reset(int slot, long now) {
        if (slot < 0 || slot >= capacity) {
            return;
        }
        long base = slot * SLOT_SIZE;
        slots.asSlice(base, SLOT_SIZE).fill((byte) 0);
        slots.set(ValueLayout.JAVA_LONG, base + ONCPU_SINCE, now);
    }

    /** Reads slot {@code slot} into {@code into[offset .. offset+COUNT)}; zeros for a slot out of range. */
    void read(int slot, long[] into, int offset) {
        if (slot < 0 || slot >= capacity) {
            java.util.Arrays.fill(into, offset, offset + COUNT, 0);
            return;
        }
        long base = slot * SLOT_SIZE;
        for (int attempt = 0; attempt < 4; attempt++) {
            long since = slots.get(ValueLayout.JAVA_LONG, base + ONCPU_SINCE);
            long oncpu = slots.get(ValueLayout.JAVA_LONG, base + ONCPU_NS);
            for (int i = 1; i < COUNT; i++) {
                into[offset + i] = slots.get(ValueLayout.JAVA_LONG, base + RUNQ_NS + (i - 1) * 8L);
            }
            // the kernel's clock is CLOCK_MONOTONIC, as System.nanoTime()'s
            long now = System.nanoTime();
            if (slots.get(ValueLayout.JAVA_LONG, base + ONCPU_SINCE) == since) {
                into[offset + CPU] = since != 0 && now > since ? oncpu + (now - since) : oncpu;
                return;
            }
        }
        into[offset + CPU] = slots.get(ValueLayout.JAVA_LONG, base + ONCPU_NS);
    }
}
