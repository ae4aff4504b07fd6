package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.JvmLayouts;


/** EV_MEM_POOL_GC: usage of one memory pool before and after one collection. */
public final class MemPoolEvent extends EventView {
    private static final int NAME_BYTES = 32;

    public long init() {
        return i64(JvmLayouts.MemPoolEvent.INIT);
    }

    public long usedBefore() {
        return i64(JvmLayouts.MemPoolEvent.USED_BEFORE);
    }

    public long committedBefore() {
        return i64(JvmLayouts.MemPoolEvent.COMMITTED_BEFORE);
    }

    public long usedAfter() {
        return i64(JvmLayouts.MemPoolEvent.USED_AFTER);
    }

    public long committedAfter() {
        return i64(JvmLayouts.MemPoolEvent.COMMITTED_AFTER);
    }

    public long max() {
        return i64(JvmLayouts.MemPoolEvent.MAX);
    }

    /** The GC manager, e.g. "G1 Young Generation" (allocates). */
    public String manager() {
        return string(JvmLayouts.MemPoolEvent.MANAGER, NAME_BYTES);
    }

    /** The pool, e.g. "G1 Eden Space" (allocates). */
    public String pool() {
        return string(JvmLayouts.MemPoolEvent.POOL, NAME_BYTES);
    }

    public int copyPool(byte[] dst) {
        return copyString(JvmLayouts.MemPoolEvent.POOL, NAME_BYTES, dst);
    }
}
