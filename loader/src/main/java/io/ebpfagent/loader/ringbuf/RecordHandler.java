package io.ebpfagent.loader.ringbuf;

import java.lang.foreign.MemorySegment;

/**
 * Receives ring buffer records without copying: the record is the {@code length} bytes at
 * {@code offset} of {@code ring}, valid only until the handler returns (the kernel reuses the
 * space once the reader advances). Passing the offset instead of a slice keeps the hot path free
 * of allocation.
 */
@FunctionalInterface
public interface RecordHandler {
    /** Handles one record; read it with {@code ring.get(layout, offset + field)}. */
    void onRecord(MemorySegment ring, long offset, int length);
}
