package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapBatchCursor;
import io.ebpfagent.loader.sys.Errno;
import io.ebpfagent.loader.sys.NotSupportedException;
import io.ebpfagent.loader.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Walks a map with reusable buffers: no allocation per entry. Entries come a buffer at a time
 * from {@code BPF_MAP_LOOKUP_BATCH} (one system call for dozens of entries instead of two per
 * entry), or, on kernels without batch operations for the map's type, from a get-next-key walk.
 * Entries added or removed by the kernel meanwhile may be missed; the key-by-key walk may also
 * see one twice (when its current key vanished). Not thread safe: one walk at a time.
 */
final class MapCursor {
    /** Values per batch buffer at most (64 KiB of them), at least 8 entries, at most 256. */
    private static final int BATCH_BYTES = 64 * 1024;

    private final BpfMap map;
    private final Arena arena;
    private final MemorySegment key;
    private final MemorySegment next;
    private final MemorySegment value;
    private final int keySize;
    private final int valueSize;
    private boolean started;
    /** Null once the kernel refused a batch lookup on this map: key-by-key from then on. */
    private MapBatchCursor batch;
    private MemorySegment keys;
    private MemorySegment values;
    private int filled;
    private int at;
    /** Keys collected by {@link #removeThreads}, grown by doubling (the arena frees them at close). */
    private MemorySegment doomed;
    private int[] sortedTids = new int[64];

    MapCursor(BpfMap map, Arena arena) {
        this.map = map;
        this.arena = arena;
        this.keySize = map.keySize();
        this.valueSize = map.valueBufferSize();
        this.key = arena.allocate(keySize, 8);
        this.next = arena.allocate(keySize, 8);
        this.value = arena.allocate(valueSize, 8);
        this.batch = map.batchCursor(arena);
        allocateBatch(Math.clamp(BATCH_BYTES / Math.max(1, valueSize), 8, 256));
    }

    private void allocateBatch(int entries) {
        keys = arena.allocate((long) keySize * entries, 8);
        values = arena.allocate((long) valueSize * entries, 8);
    }

    void reset() {
        started = false;
        filled = 0;
        at = 0;
        if (batch != null) {
            batch.reset();
        }
    }

    /** Advances to the next entry; false at the end. */
    boolean next() {
        if (batch != null) {
            int empty = 0;
            while (at == filled) {
                if (batch.done() || empty++ == 2) { // the kernel returns entries or the end: a bound anyway
                    return false;
                }
                if (!fill()) {
                    return nextByKey();
                }
            }
            MemorySegment.copy(keys, (long) at * keySize, key, 0, keySize);
            MemorySegment.copy(values, (long) at * valueSize, value, 0, valueSize);
            at++;
            return true;
        }
        return nextByKey();
    }

    /** Reads the next buffer of entries; false when the kernel has no batch lookup for this map. */
    private boolean fill() {
        while (true) {
            try {
                filled = map.lookupBatch(batch, keys, values);
                at = 0;
                return true;
            } catch (NotSupportedException e) {
                batch = null; // refused before the first entry: the key-by-key walk starts afresh
                return false;
            } catch (SyscallException e) {
                if (e.errno() != Errno.ENOSPC.value()) {
                    throw e;
                }
                allocateBatch((int) (keys.byteSize() / keySize) * 2); // one hash bucket holds more
            }
        }
    }

    private boolean nextByKey() {
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
        int found = 0;
        reset();
        while (next()) {
            if (Arrays.binarySearch(sortedTids, 0, count, key.get(JAVA_INT, tidOffset)) >= 0) {
                if (doomed == null || (found + 1L) * keySize > doomed.byteSize()) {
                    MemorySegment grown = arena.allocate(Math.max(64, found * 2L + 2) * keySize, 8);
                    if (doomed != null) {
                        grown.copyFrom(doomed.asSlice(0, found * keySize));
                    }
                    doomed = grown;
                }
                MemorySegment.copy(key, 0, doomed, (long) found * keySize, keySize);
                found++;
            }
        }
        return found == 0 ? 0 : map.deleteBatch(doomed, found);
    }

    MemorySegment value() {
        return value;
    }
}
