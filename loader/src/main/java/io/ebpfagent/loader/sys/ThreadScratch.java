package io.ebpfagent.loader.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A native buffer per thread, 8-byte aligned, allocated at the thread's first use in an automatic
 * arena (freed once unreachable). One class for every such buffer of the loader rather than a
 * {@code ThreadLocal.withInitial} lambda each: a cold JVM spins a class per lambda.
 */
public final class ThreadScratch extends ThreadLocal<MemorySegment> {
    private final long size;

    /** Buffers of {@code size} bytes. */
    public ThreadScratch(long size) {
        this.size = size;
    }

    @Override
    protected MemorySegment initialValue() {
        return Arena.ofAuto().allocate(size, 8);
    }
}
