package io.ebpfagent.loader.ringbuf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A reusable heap copy of one record, for callers that keep data beyond the handler call.
 * The backing array grows to the largest record seen and is reused afterwards.
 */
public final class RecordBuffer {
    private byte[] data;
    private int length;

    public RecordBuffer(int initialCapacity) {
        this.data = new byte[Math.max(initialCapacity, 8)];
    }

    /** The backing array; the record is its first {@link #length()} bytes. */
    public byte[] data() {
        return data;
    }

    public int length() {
        return length;
    }

    void copyFrom(MemorySegment ring, long offset, int len) {
        if (len > data.length) {
            data = new byte[Math.max(len, data.length * 2)];
        }
        MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, offset, data, 0, len);
        length = len;
    }
}
