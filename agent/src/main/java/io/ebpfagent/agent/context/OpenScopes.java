package io.ebpfagent.agent.context;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The outermost open scope of each thread, where other threads can read it: its span
 * and the thread's kernel counters from which the scope's time is still to be added.
 *
 * <p>Why: a scope adds its kernel time to its span when it closes, and a span's attributes are
 * set while it is recording. The OpenTelemetry Java agent opens a pool task's scope around the
 * whole task, so the task completes the request's future (waking the request thread) before its
 * scope closes; a pool thread held back at that point (preempted on a busy machine) closed after
 * the request's span had ended, and all of its time was missing from the span. So a close of any
 * scope of a span first {@linkplain #harvest harvests} the other threads' open outermost scopes of
 * the same span: adds what each did up to now and moves its start there, so that its own close
 * adds only the rest. Every part of a scope's time is added once, by a harvest or by the close.
 *
 * <p>Neither side waits for the other. A record is {@link #FREE}, {@link #OPEN} or {@link #BUSY}
 * (a harvest in progress); a close that finds a harvest under way spins briefly and, if it is still
 * under way (its thread preempted), marks the record {@link #ABANDONED} and adds nothing more (the
 * harvest has counted up to its read, made while the scope was closing), and the harvest then
 * frees the record. One record per platform thread's slot, made at the thread's first outermost
 * scope with a span, and one per virtual thread's outermost scope open at a time ({@link
 * #openVirtual}: its counters are its carriers' while it was mounted, which it keeps readable);
 * nothing is allocated per scope once the records exist.
 */
final class OpenScopes {
    static final long FREE = 0;
    static final long OPEN = 1;
    static final long BUSY = 2;
    static final long ABANDONED = 3;
    private static final int STATE = 0;
    private static final int SPAN = 1;
    /** Counts the record's opens: a harvest whose read came before the scope it takes counts nothing. */
    private static final int GENERATION = 2;
    private static final int STARTS = 3;
    private static final int WIDTH = STARTS + KernelTimes.COUNT;
    /**
     * How long a close lets a harvest of its scope finish (a read of the counters and a few stores,
     * well under a microsecond unless the harvesting thread is preempted) before leaving it the rest.
     */
    private static final int HARVEST_SPINS = 200;

    /** Open outermost scopes of virtual threads at once that other threads can harvest. */
    static final int VIRTUAL_CAPACITY = 4096;

    /**
     * A virtual thread's own kernel counters (its carriers' while it was mounted), readable from
     * other threads. False when they changed under every attempt to read them.
     */
    interface VirtualClock {
        boolean read(KernelTimes times, long[] into);
    }

    private final KernelTimes times;
    /** Handles {@code 0 .. slots}: the platform threads' span-context slots; then virtual threads' scopes. */
    private final int slots;
    private final AtomicReferenceArray<AtomicLongArray> records;
    private final AtomicReferenceArray<VirtualClock> clocks = new AtomicReferenceArray<>(VIRTUAL_CAPACITY);
    private final SlotAllocator virtualHandles = new SlotAllocator(VIRTUAL_CAPACITY);

    /**
     * Records of the slots {@code 0 .. slots} of the counters {@code times} reads (a platform
     * thread's handle is its slot), and of up to {@link #VIRTUAL_CAPACITY} virtual threads' scopes.
     */
    OpenScopes(KernelTimes times, int slots) {
        this.times = times;
        this.slots = slots;
        this.records = new AtomicReferenceArray<>(slots + VIRTUAL_CAPACITY);
    }

    /**
     * A handle for the outermost scope a virtual thread opens now, whose counters {@code clock}
     * reads, until {@link #close} or {@link #discard}; -1 when all are in use (the scope is then
     * only accounted by its own close).
     */
    int openVirtual(VirtualClock clock) {
        int index = virtualHandles.allocate();
        if (index < 0) {
            return -1;
        }
        clocks.set(index, clock);
        return slots + index;
    }

    /** A virtual thread's handle may go to another scope; a platform thread's slot stays its own. */
    private void release(int handle) {
        int index = handle - slots;
        if (index >= 0 && index < VIRTUAL_CAPACITY) {
            clocks.set(index, null);
            virtualHandles.release(index);
        }
    }

    KernelTimes times() {
        return times;
    }

    /**
     * The calling thread (owner of {@code handle}: a platform thread's slot, or from
     * {@link #openVirtual}) opened its outermost scope, of span {@code spanId}, with its counters
     * at {@code starts[offset .. offset + COUNT)}. False when the record is still taken by a
     * harvest of an earlier scope (that scope is then only accounted by its own close, as without
     * harvests).
     */
    boolean open(int handle, long spanId, long[] starts, int offset) {
        if (handle < 0 || handle >= records.length()) {
            return false;
        }
        AtomicLongArray r = records.get(handle);
        if (r == null) {
            r = new AtomicLongArray(WIDTH);
            records.set(handle, r);
        } else if (r.get(STATE) != FREE) {
            return false;
        }
        r.setPlain(SPAN, spanId);
        r.setPlain(GENERATION, r.getPlain(GENERATION) + 1);
        for (int i = 0; i < KernelTimes.COUNT; i++) {
            r.setPlain(STARTS + i, starts[offset + i]);
        }
        r.setRelease(STATE, OPEN);
        return true;
    }

    /**
     * The owner's outermost scope closes: copies its start counters, moved on by any harvest,
     * into {@code starts[offset ..)} and frees the record (and a virtual thread's handle). False
     * when a harvest still holds the record after a short spin: it counts the scope up to its read
     * and frees the record; the close adds nothing more (what the thread did between that read and
     * its close is lost).
     */
    boolean close(int handle, long[] starts, int offset) {
        boolean own = take(handle, starts, offset);
        release(handle);
        return own;
    }

    /**
     * The owner's outermost scope is dropped unaccounted (the breakdown restarted, the scope's
     * close was never seen, its thread died): frees its record and handle as {@link #close} does.
     */
    void discard(int handle) {
        take(handle, null, 0);
        release(handle);
    }

    /** Takes the record of {@code handle} back from OPEN, copying its starts unless {@code starts} is null. */
    private boolean take(int handle, long[] starts, int offset) {
        AtomicLongArray r = records.get(handle);
        if (r == null) {
            return false;
        }
        int spins = 0;
        while (true) {
            long state = r.get(STATE);
            if (state == BUSY && spins++ < HARVEST_SPINS) {
                Thread.onSpinWait();
                continue;
            }
            if (state == OPEN && r.compareAndSet(STATE, OPEN, BUSY)) {
                for (int i = 0; starts != null && i < KernelTimes.COUNT; i++) {
                    starts[offset + i] = r.getPlain(STARTS + i);
                }
                r.setRelease(STATE, FREE);
                return true;
            }
            if (state == BUSY && r.compareAndSet(STATE, BUSY, ABANDONED)) {
                return false;
            }
            if (state == FREE || state == ABANDONED) {
                return false;
            }
            // a harvest began or ended between the read and the CAS: look again
        }
    }

    /** The slot goes to another thread: whatever its previous thread left open is not the new one's. */
    void forget(int handle) {
        if (handle >= 0 && handle < records.length()) {
            records.set(handle, null);
        }
    }

    /**
     * Another thread's scope of {@code spanId} closes: the time of the open outermost scope of
     * {@code handle} (if it is one of that span) up to now goes into {@code deltas}, and the scope's
     * start moves to now. False, {@code deltas} to be ignored, when the handle has no such scope or
     * another thread is harvesting it.
     */
    boolean harvest(int handle, long spanId, long[] deltas) {
        if (handle < 0 || handle >= records.length()) {
            return false;
        }
        AtomicLongArray r = records.get(handle);
        if (r == null || r.get(STATE) != OPEN || r.get(SPAN) != spanId) {
            return false;
        }
        long generation = r.get(GENERATION);
        // Read before the record is taken: a harvest preempted after taking it must not read what
        // the thread did after its close gave up on it (in a later scope, perhaps of another span);
        // and only for the scope open at the read (its generation).
        if (handle < slots) {
            times.read(handle, deltas, 0);
        } else {
            VirtualClock clock = clocks.get(handle - slots);
            if (clock == null || !clock.read(times, deltas)) {
                return false;
            }
        }
        if (!r.compareAndSet(STATE, OPEN, BUSY)) {
            return false;
        }
        boolean same = r.getPlain(SPAN) == spanId && r.getPlain(GENERATION) == generation;
        if (same) {
            for (int i = 0; i < KernelTimes.COUNT; i++) {
                long start = r.getPlain(STARTS + i);
                long now = deltas[i];
                // a negative start is KernelTimes.IO_UNKNOWN: no I/O values for this scope
                deltas[i] = start >= 0 && now > start ? now - start : 0;
                if (start >= 0 && now > start) {
                    r.setPlain(STARTS + i, now);
                }
            }
        }
        if (!r.compareAndSet(STATE, BUSY, OPEN)) {
            r.setRelease(STATE, FREE); // its owner closed meanwhile and left the record to us
        }
        return same;
    }
}
