package io.ebpfagent.agent.context;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a thread's cumulative kernel counters, with plain loads: its slot of the sched probe's
 * mmapped {@code span_times} array (128 bytes per slot, layout in {@code SchedLayouts.SpanTimes})
 * and, when the jvm probe runs, the process-wide stop-the-world clocks of its {@code pauses}
 * variable ({@code JvmLayouts.PauseClocks}). The kernel writes a slot only when its thread
 * switches, so the thread reading its own slot sees a stable value unless it is switched out in
 * the middle of the read; the switch-in time changes then, and the read is retried.
 *
 * <p>Values in the order of {@link #NAMES}: nanoseconds on CPU (the running slice included),
 * waiting for a CPU, blocked by cause, then the overlap with GC pauses and with safepoints
 * (nanoseconds, the one in progress included), then the thread's read/write-family system calls
 * and their bytes as of its last switch-out, and last the system calls the thread entered (counted
 * only while the syscalls probe runs, zero otherwise).
 */
public final class KernelTimes {
    /** Suffixes of the values, in order; the first {@link #TIME_COUNT} are nanoseconds. */
    public static final String[] NAMES = {"cpu", "runqueue", "lock", "network", "disk", "sleep", "other",
        "gc", "safepoint", "read.bytes", "write.bytes", "read.calls", "write.calls", "syscalls"};
    public static final int COUNT = NAMES.length;
    public static final int CPU = 0;
    public static final int GC = 7;
    public static final int SAFEPOINT = 8;
    /** The time values come first: {@code [0, TIME_COUNT)}. */
    public static final int TIME_COUNT = 9;
    /** The I/O values: {@code [IO_FIRST, SYSCALLS)}, read bytes, write bytes, read calls, write calls. */
    public static final int IO_FIRST = 9;
    /** Every system call the thread entered. */
    public static final int SYSCALLS = 13;
    /**
     * The span attribute of each value, in order: the times in seconds (doubles), the rest as
     * integers. The context-storage bridge keeps its own copy (it cannot see this class).
     */
    public static final String[] ATTRIBUTES = {"kernel.cpu.time", "kernel.runqueue.time", "kernel.wait.lock.time",
        "kernel.wait.network.time", "kernel.wait.disk.time", "kernel.wait.sleep.time", "kernel.wait.other.time",
        "kernel.gc.pause.time", "kernel.safepoint.time", "kernel.io.read.bytes", "kernel.io.write.bytes",
        "kernel.io.read.calls", "kernel.io.write.calls", "kernel.syscalls"};
    /**
     * The states of the per-span-name histogram: the time values that split a span's time (on a
     * CPU, waiting for one, blocked by cause), not the GC and safepoint overlaps, which lie across
     * them and stay span attributes only (each would cost a histogram per span name and route).
     */
    public static final String[] STATE_NAMES = java.util.Arrays.copyOf(NAMES, GC);

    static final long SLOT_SIZE = 128;
    private static final long ONCPU_NS = 0;
    private static final long ONCPU_SINCE = 8;
    private static final long RUNQ_NS = 16;
    /** rchar, wchar, syscr, syscw: the task's I/O accounting at its last switch-out. */
    private static final long RCHAR = 72;
    private static final long SYSCALL_COUNT = 104;
    /** The thread the slot is given to: the kernel leaves the entry alone at other threads' switch-ins. */
    private static final long OWNER_TID = 112;
    /** Stored by {@link #reset} when the task's I/O accounting could not be read: no I/O values. */
    static final long IO_UNKNOWN = -1;

    private static final long SEQ = 0;
    private static final long GC_NS = 8;
    private static final long GC_SINCE = 16;
    private static final long SAFEPOINT_NS = 24;
    private static final long SAFEPOINT_SINCE = 32;
    private static final long PAUSES_SIZE = 48;

    /** The slice-start field, for the compare-and-set of {@link #readOwn}. */
    private static final VarHandle SINCE = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment slots;
    private final MemorySegment pauses;
    private final int capacity;

    /**
     * @param slots  the sched probe's {@code span_times}
     * @param pauses the jvm probe's {@code pauses} variable, or null without the jvm probe (the
     *               GC and safepoint values are then zero)
     */
    KernelTimes(MemorySegment slots, MemorySegment pauses) {
        this.slots = slots;
        this.pauses = pauses != null && pauses.byteSize() >= PAUSES_SIZE ? pauses : null;
        this.capacity = (int) Math.min(Integer.MAX_VALUE, slots.byteSize() / SLOT_SIZE);
    }

    int capacity() {
        return capacity;
    }

    /**
     * Starts slot {@code slot} over for the calling thread, which was just given it and is running:
     * zero counters, the running slice counted from now, the task's I/O accounting as of now (the
     * kernel copies it only at switch-outs). Must happen before the kernel learns the thread's slot
     * (the kernel then writes the entry only when the thread switches); without it the slice
     * running at the binding would be missed and a previous owner's values would remain. Records
     * {@code tid} as the owner, so that a previous owner's late switch-in leaves the slot alone.
     */
    void reset(int slot, int tid, long now) {
        if (slot < 0 || slot >= capacity) {
            return;
        }
        long base = slot * SLOT_SIZE;
        // the owner first: a previous owner's late switch-in must not write the fresh values
        slots.set(ValueLayout.JAVA_INT, base + OWNER_TID, tid);
        slots.asSlice(base, OWNER_TID).fill((byte) 0);
        slots.asSlice(base + OWNER_TID + 4, SLOT_SIZE - OWNER_TID - 4).fill((byte) 0);
        long[] io = ownIoAccounting();
        for (int i = 0; i < 4; i++) {
            slots.set(ValueLayout.JAVA_LONG, base + RCHAR + i * 8L, io == null ? IO_UNKNOWN : io[i]);
        }
        slots.set(ValueLayout.JAVA_LONG, base + ONCPU_SINCE, now);
    }

    /**
     * For a slot whose thread is not the caller, bound while the breakdown was off: its I/O
     * accounting is unknown until the kernel stores it at the thread's next switch-out (scopes
     * opened before then get no I/O values), and no slice is running as far as the slot knows (the
     * kernel starts the next one at the thread's next switch-in). A store racing with the kernel's
     * own only makes the unknown window one switch longer. Records {@code tid} as the owner: the
     * slot may have been given while the breakdown was off, without a reset.
     */
    void forgetBaseline(int slot, int tid) {
        if (slot < 0 || slot >= capacity) {
            return;
        }
        long base = slot * SLOT_SIZE;
        slots.set(ValueLayout.JAVA_INT, base + OWNER_TID, tid);
        slots.set(ValueLayout.JAVA_LONG, base + ONCPU_SINCE, 0L);
        for (int i = 0; i < 4; i++) {
            slots.set(ValueLayout.JAVA_LONG, base + RCHAR + i * 8L, IO_UNKNOWN);
        }
    }

    /**
     * {@link #read} of the calling thread's own slot (its OS thread's, or for a virtual thread its
     * carrier's), which runs: a slot that shows no slice running gets one started now. The kernel
     * starts slices at switch-ins; one it did not see this time is missing from the slot until the
     * thread's next switch-out: a switch-in the kernel did not run the sched probe for (replayed at
     * that switch-out), a slot bound or a breakdown switched on since the thread's last switch-out.
     * Started here, the slice's CPU time from now on counts for the scopes open now, and the replay
     * learns that a scope opened or closed after the switch-in, so it leaves the off-CPU interval
     * before it out of the slot (added after this read, it would go to the scopes opened here).
     */
    long readOwn(int slot, long[] into, int offset) {
        if (slot >= 0 && slot < capacity) {
            long at = slot * SLOT_SIZE + ONCPU_SINCE;
            // the kernel writes the field only at this thread's switches: a compare-and-set keeps
            // a switch-in between the load and the store (its time is later) from being overwritten
            if (slots.get(ValueLayout.JAVA_LONG, at) == 0) {
                SINCE.compareAndSet(slots, at, 0L, System.nanoTime());
            }
        }
        return read(slot, into, offset);
    }

    /**
     * Reads slot {@code slot} into {@code into[offset .. offset+COUNT)} (zeros for a slot out of
     * range) and returns the {@link System#nanoTime()} the values are as of, so that a caller
     * needing the time too does not read the clock again (a clocksource read is 50-100 ns on a
     * paravirtual clock).
     */
    long read(int slot, long[] into, int offset) {
        if (slot < 0 || slot >= capacity) {
            java.util.Arrays.fill(into, offset, offset + COUNT, 0);
            return System.nanoTime();
        }
        long base = slot * SLOT_SIZE;
        for (int attempt = 0; attempt < 4; attempt++) {
            long since = slots.get(ValueLayout.JAVA_LONG, base + ONCPU_SINCE);
            // the loads between the two reads of the switch-in time stay between them (a harvest
            // reads another thread's slot while the kernel may be writing it), and the second read
            // is not folded into the first
            VarHandle.loadLoadFence();
            long oncpu = slots.get(ValueLayout.JAVA_LONG, base + ONCPU_NS);
            for (int i = 1; i < GC; i++) {
                into[offset + i] = slots.get(ValueLayout.JAVA_LONG, base + RUNQ_NS + (i - 1) * 8L);
            }
            for (int i = 0; i < 4; i++) {
                into[offset + IO_FIRST + i] = slots.get(ValueLayout.JAVA_LONG, base + RCHAR + i * 8L);
            }
            into[offset + SYSCALLS] = slots.get(ValueLayout.JAVA_LONG, base + SYSCALL_COUNT);
            // the kernel's clock is CLOCK_MONOTONIC, as System.nanoTime()'s
            long now = System.nanoTime();
            VarHandle.loadLoadFence();
            if (slots.get(ValueLayout.JAVA_LONG, base + ONCPU_SINCE) == since) {
                into[offset + CPU] = since != 0 && now > since ? oncpu + (now - since) : oncpu;
                readPauses(into, offset, now);
                return now;
            }
        }
        into[offset + CPU] = slots.get(ValueLayout.JAVA_LONG, base + ONCPU_NS);
        long now = System.nanoTime();
        readPauses(into, offset, now);
        return now;
    }

    /** The stop-the-world clocks at {@code now}, the pause in progress included. */
    private void readPauses(long[] into, int offset, long now) {
        MemorySegment p = pauses;
        if (p == null) {
            into[offset + GC] = 0;
            into[offset + SAFEPOINT] = 0;
            return;
        }
        for (int attempt = 0; attempt < 8; attempt++) {
            long seq = p.get(ValueLayout.JAVA_LONG, SEQ);
            VarHandle.loadLoadFence();
            long gc = p.get(ValueLayout.JAVA_LONG, GC_NS);
            long gcSince = p.get(ValueLayout.JAVA_LONG, GC_SINCE);
            long sp = p.get(ValueLayout.JAVA_LONG, SAFEPOINT_NS);
            long spSince = p.get(ValueLayout.JAVA_LONG, SAFEPOINT_SINCE);
            VarHandle.loadLoadFence();
            if ((seq & 1) == 0 && p.get(ValueLayout.JAVA_LONG, SEQ) == seq) {
                into[offset + GC] = gcSince != 0 && now > gcSince ? gc + (now - gcSince) : gc;
                into[offset + SAFEPOINT] = spSince != 0 && now > spSince ? sp + (now - spSince) : sp;
                return;
            }
            Thread.onSpinWait();
        }
        // a clock changing all the time: the completed pauses only
        into[offset + GC] = p.get(ValueLayout.JAVA_LONG, GC_NS);
        into[offset + SAFEPOINT] = p.get(ValueLayout.JAVA_LONG, SAFEPOINT_NS);
    }

    /**
     * rchar, wchar, syscr, syscw of the calling thread from {@code /proc/thread-self/io} (once per
     * thread, when it gets its slot), or null when the kernel keeps no such accounting.
     */
    static long[] ownIoAccounting() {
        try {
            long[] values = new long[4];
            String[] keys = {"rchar:", "wchar:", "syscr:", "syscw:"};
            int found = 0;
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/io"))) {
                for (int i = 0; i < keys.length; i++) {
                    if (line.startsWith(keys[i])) {
                        values[i] = Long.parseLong(line.substring(keys[i].length()).trim());
                        found++;
                    }
                }
            }
            return found == keys.length ? values : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
