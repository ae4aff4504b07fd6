package io.ebpfagent.agent.context;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The outermost open scope of each platform thread, where other threads can read it: its span
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
 * frees the record. One record per slot, made at the
 * thread's first outermost scope with a span; nothing is allocated per scope.
 */
final class OpenScopes {
    static final long FREE = 0;
    static final long OPEN = 1;
    static final long BUSY = 2;
    static final long ABANDONED = 3;
    private static final int STATE = 0;
    private static final int SPAN = 1;
    private static final int STARTS = 2;
    private static final int WIDTH = STARTS + KernelTimes.COUNT;
    /**
     * How long a close lets a harvest of its scope finish (a read of the counters and a few stores,
     * well under a microsecond unless the harvesting thread is preempted) before leaving it the rest.
     */
    private static final int HARVEST_SPINS = 200;

    private final KernelTimes times;
    private final AtomicReferenceArray<AtomicLongArray> records;

    /** Records of the slots {@code 0 .. capacity} of the counters {@code times} reads. */
    OpenScopes(KernelTimes times, int capacity) {
        this.times = times;
        this.records = new AtomicReferenceArray<>(capacity);
    }

    KernelTimes times() {
        return times;
    }

    /**
     * The calling thread (owner of {@code slot}) opened its outermost scope, of span {@code spanId},
     * with its counters at {@code starts[offset .. offset + COUNT)}. False when the slot's record
     * is still taken by a harvest of an earlier scope (that scope is then only accounted by its
     * own close, as without harvests).
     */
    boolean open(int slot, long spanId, long[] starts, int offset) {
        if (slot < 0 || slot >= records.length()) {
            return false;
        }
        AtomicLongArray r = records.get(slot);
        if (r == null) {
            r = new AtomicLongArray(WIDTH);
            records.set(slot, r);
        } else if (r.get(STATE) != FREE) {
            return false;
        }
        r.setPlain(SPAN, spanId);
        for (int i = 0; i < KernelTimes.COUNT; i++) {
            r.setPlain(STARTS + i, starts[offset + i]);
        }
        r.setRelease(STATE, OPEN);
        return true;
    }

    /**
     * The owner's outermost scope closes: copies its start counters, moved on by any harvest,
     * into {@code starts[offset ..)} and frees the record. False when a harvest still holds the
     * record after a short spin: it counts the scope up to its read and frees the record; the close
     * adds nothing more (what the thread did between that read and its close is lost).
     */
    boolean close(int slot, long[] starts, int offset) {
        AtomicLongArray r = records.get(slot);
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
                for (int i = 0; i < KernelTimes.COUNT; i++) {
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

    /** The slot goes to another thread: whatever the previous owner left open is not its. */
    void forget(int slot) {
        if (slot >= 0 && slot < records.length()) {
            records.set(slot, null);
        }
    }

    /**
     * Another thread's scope of {@code spanId} closes: the time of the open outermost scope of
     * {@code slot} (if it is one of that span) up to now goes into {@code deltas}, and the scope's
     * start moves to now. False, {@code deltas} to be ignored, when the slot has no such scope or
     * another thread is harvesting it.
     */
    boolean harvest(int slot, long spanId, long[] deltas) {
        if (slot < 0 || slot >= records.length()) {
            return false;
        }
        AtomicLongArray r = records.get(slot);
        if (r == null || r.get(SPAN) != spanId || r.get(STATE) != OPEN) {
            return false;
        }
        // Read before the record is taken: a harvest preempted after taking it must not read what
        // the thread did after its close gave up on it (in a later scope, perhaps of another span).
        // A read older than the scope's start counts nothing.
        times.read(slot, deltas, 0);
        if (!r.compareAndSet(STATE, OPEN, BUSY)) {
            return false;
        }
        boolean same = r.getPlain(SPAN) == spanId;
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
