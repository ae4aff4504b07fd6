package io.ebpfagent.probes;

import io.ebpfagent.loader.maps.BpfMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Walks a hash map with reusable key and value buffers: no allocation per entry. Entries added
 * or removed by the kernel meanwhile may be missed or (when the current key vanished) seen
 * twice, as with any get-next-key walk. Not thread safe: one walk at a time.
 */
final class MapCursor {
    private final BpfMap map;
    private final MemorySegment key;
    private final MemorySegment next;
    private final MemorySegment value;
    private boolean started;

    MapCursor(BpfMap map, Arena arena) {
        this.map = map;
        this.key = arena.allocate(map.keySize(), 8);
        this.next = arena.allocate(map.keySize(), 8);
        this.value = arena.allocate(map.valueBufferSize(), 8);
    }

    void reset() {
        started = false;
    }

    /** Advances to the next entry that still has a value; false at the end. */
    boolean next() {
        while (true) {
            if (!map.nextKey(started ? key : null, next)) {
                return false;
            }
            started = true;
            key.copyFrom(next);
            if (map.lookup(key, value)) {
                return true;
            }
        }
    }

    MemorySegment key() {
        return key;
    }

    MemorySegment value() {
        return value;
    }
}
