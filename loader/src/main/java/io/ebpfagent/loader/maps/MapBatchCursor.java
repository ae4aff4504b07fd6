package io.ebpfagent.loader.maps;

import java.lang.foreign.MemorySegment;

/**
 * Where a walk over a map with {@link BpfMap#lookupBatch} or {@link BpfMap#lookupAndDeleteBatch}
 * stands: the kernel's opaque position token (a hash bucket index, an array index) and whether the
 * walk has reached the end. Obtained from {@link BpfMap#batchCursor}; {@link #reset()} starts the
 * next walk with the same memory, so a periodic reader allocates nothing. One walk at a time: not
 * thread safe.
 */
public final class MapBatchCursor {
    private final BpfMap map;
    final MemorySegment token;
    boolean started;
    boolean done;

    MapBatchCursor(BpfMap map, MemorySegment token) {
        this.map = map;
        this.token = token;
    }

    /** The map this cursor walks. */
    public BpfMap map() {
        return map;
    }

    /** True once a batch call reported the end of the map: further calls return 0. */
    public boolean done() {
        return done;
    }

    /** Starts over at the first entry. */
    public void reset() {
        started = false;
        done = false;
    }
}
