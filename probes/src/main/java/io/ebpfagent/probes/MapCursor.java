package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.ebpfagent.loader.maps.BpfMap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Walks a hash map with reusable key and value buffers: no allocation per entry. Entries added
 * or removed by the kernel meanwhile may be missed or (when the current key vanished) seen
 * twice, as with any get-next-key walk. Not thread safe: one walk at a time.
 */
final class MapCursor {
    private final BpfMap map;
    private final Arena arena;
    private final MemorySegment key;
    private final MemorySegment next;
    private final MemorySegment value;
    private boolean started;
    /** Keys collected by {@link #removeThreads}, grown by doubling (the arena frees them at close). */
    private MemorySegment doomed;
    private int[] sortedTids = new int[64];

    MapCursor(BpfMap map, Arena arena) {
        this.map = map;
        this.arena = arena;
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

    /**
     * Deletes every entry whose key holds one of {@code tids[0..count)} as the int at
     * {@code tidOffset}; returns how many. One walk that only collects the keys, then the
     * deletes: deleting the current key of a get-next-key walk restarts it at the first bucket,
     * so deleting while walking costs a walk per deleted entry (minutes at shutdown for a JVM
     * that started thousands of threads). Allocation free once the buffers have grown.
     */
    int removeThreads(int tidOffset, int[] tids, int count) {
        if (count == 0) {
            return 0;
        }
        if (sortedTids.length < count) {
            sortedTids = new int[Math.max(count, sortedTids.length * 2)];
        }
        System.arraycopy(tids, 0, sortedTids, 0, count);
        Arrays.sort(sortedTids, 0, count);
        long keySize = map.keySize();
        int found = 0;
        reset();
        while (next()) {
            if (Arrays.binarySearch(sortedTids, 0, count, key.get(JAVA_INT, tidOffset)) >= 0) {
                if (doomed == null || (found + 1) * keySize > doomed.byteSize()) {
                    MemorySegment grown = arena.allocate(Math.max(64, found * 2L + 2) * keySize, 8);
                    if (doomed != null) {
                        grown.copyFrom(doomed.asSlice(0, found * keySize));
                    }
                    doomed = grown;
                }
                doomed.asSlice(found * keySize, keySize).copyFrom(key);
                found++;
            }
        }
        int removed = 0;
        for (int i = 0; i < found; i++) {
            if (map.delete(doomed.asSlice(i * keySize, keySize))) {
                removed++;
            }
        }
        return removed;
    }

    MemorySegment value() {
        return value;
    }
}
