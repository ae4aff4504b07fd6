package io.ebpfagent.loader.perf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One CPU's perf ring: the metadata page ({@code struct perf_event_mmap_page}) followed by the
 * data area. Unlike the BPF ring buffer the data is mapped once, so a record crossing the end
 * is copied into a scratch buffer; everything else is handed out in place.
 */
final class PerfRing {
    static final int RECORD_LOST = 2;
    static final int RECORD_SAMPLE = 9;
    private static final long DATA_HEAD = 1024;
    private static final long DATA_TAIL = 1032;
    private static final long DATA_OFFSET = 1040;
    private static final long DATA_SIZE = 1048;
    private static final VarHandle LONG = JAVA_LONG.varHandle();

    private final int cpu;
    private final MemorySegment meta;
    private final MemorySegment data;
    private final long mask;
    private final MemorySegment scratch;

    /**
     * @param mapping the whole mapping (metadata page + data pages)
     * @param scratch a buffer of at least 64 KiB (the largest record) for wrapped records
     */
    PerfRing(int cpu, MemorySegment mapping, long pageSize, MemorySegment scratch) {
        this.cpu = cpu;
        this.meta = mapping.asSlice(0, pageSize);
        long offset = meta.get(JAVA_LONG, DATA_OFFSET);
        long size = meta.get(JAVA_LONG, DATA_SIZE);
        if (offset == 0 || size == 0) {
            // kernels before 4.1 leave these zero: data starts on the second page
            offset = pageSize;
            size = mapping.byteSize() - pageSize;
        }
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("perf ring size " + size + " is not a power of two");
        }
        this.data = mapping.asSlice(offset, size);
        this.mask = size - 1;
        this.scratch = scratch;
    }

    int cpu() {
        return cpu;
    }

    /** Bytes written and not yet read. */
    long available() {
        return (long) LONG.getAcquire(meta, DATA_HEAD) - (long) LONG.getOpaque(meta, DATA_TAIL);
    }

    /** Hands every complete record to {@code handler}; returns the number of samples. */
    int consume(PerfRecordHandler handler) {
        // acquire pairs with the kernel's release of data_head (smp_store_release in perf_output_put_handle)
        long head = (long) LONG.getAcquire(meta, DATA_HEAD);
        long tail = (long) LONG.getOpaque(meta, DATA_TAIL);
        int samples = 0;
        try {
            while (tail < head) {
                long at = tail & mask;
                int type = data.get(JAVA_INT, at);
                int size = Short.toUnsignedInt(data.get(JAVA_SHORT, at + 6));
                if (size < 8) {
                    throw new IllegalStateException("corrupt perf record of size " + size + " on CPU " + cpu);
                }
                MemorySegment seg = data;
                long base = at;
                if (at + size > data.byteSize()) {
                    long first = data.byteSize() - at;
                    MemorySegment.copy(data, at, scratch, 0, first);
                    MemorySegment.copy(data, 0, scratch, first, size - first);
                    seg = scratch;
                    base = 0;
                }
                // advance first: a handler that throws does not get the same record again
                tail += size;
                if (type == RECORD_SAMPLE) {
                    int rawSize = seg.get(JAVA_INT.withByteAlignment(4), base + 8);
                    handler.onSample(cpu, seg, base + 12, rawSize);
                    samples++;
                } else if (type == RECORD_LOST) {
                    handler.onLost(cpu, seg.get(JAVA_LONG.withByteAlignment(8), base + 16));
                }
            }
        } finally {
            // release: the kernel may overwrite the records only after the handler is done
            LONG.setRelease(meta, DATA_TAIL, tail);
        }
        return samples;
    }
}
