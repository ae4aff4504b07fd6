package io.ebpfagent.loader.ringbuf;

import java.lang.foreign.MemorySegment;

/**
 * Receives ring buffer records without copying: the record is the {@code length} bytes at
 * {@code offset} of {@code ring}, valid only until the handler returns (the kernel reuses the
 * space once the reader advances, and unmaps it on close). Passing the offset instead of a slice
 * keeps the hot path free of allocation.
 *
 * <p>For speed {@code ring} is a segment over the whole address space in the global scope and
 * {@code offset} the record's absolute address: accesses through it are not checked against the
 * record's bounds nor against the reader being closed. Read only within
 * {@code [offset, offset + length)} and never keep {@code ring} or {@code offset} beyond the call;
 * {@code ring.asSlice(offset, length)} gives a bounded view when checks matter more than speed.
 */
@FunctionalInterface
public interface RecordHandler {
    /** Handles one record; read it with {@code ring.get(layout, offset + field)}. */
    void onRecord(MemorySegment ring, long offset, int length);
}
