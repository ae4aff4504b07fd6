package io.ebpfagent.loader.ringbuf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The consumer side of a BPF ring buffer over three memory regions, independent of how they were
 * obtained (kernel mappings, or plain memory in tests).
 *
 * <p>Kernel layout: the consumer page holds {@code consumer_pos} (the only thing user space
 * writes); the producer page holds {@code producer_pos}; the data area of {@code size} bytes
 * (a power of two) is mapped twice in a row, so a record crossing the end of the ring is still
 * contiguous in memory. Each record starts on an 8-byte boundary with an 8-byte header whose
 * first 32 bits are its length plus the {@link #BUSY_BIT} (reserved, not yet committed) and the
 * {@link #DISCARD_BIT} (committed but to be skipped).
 */
final class RingConsumer {
    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    static final int HEADER_SIZE = 8;

    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment consumerPage;
    private final MemorySegment producerPage;
    private final MemorySegment data;
    private final long mask;

    RingConsumer(MemorySegment consumerPage, MemorySegment producerPage, MemorySegment data, long size) {
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size " + size + " is not a power of two");
        }
        if (data.byteSize() < 2 * size) {
            throw new IllegalArgumentException("ring data must be mapped twice: " + data.byteSize() + " < 2 * " + size);
        }
        this.consumerPage = consumerPage;
        this.producerPage = producerPage;
        this.data = data;
        this.mask = size - 1;
    }

    /** Bytes written by the producer and not yet consumed. */
    long available() {
        return (long) LONG.getAcquire(producerPage, 0L) - (long) LONG.getOpaque(consumerPage, 0L);
    }

    /**
     * Hands every committed record to {@code handler}, up to {@code maxRecords}, and advances
     * the consumer position once per batch with a release store so the kernel sees the space
     * free only after the handler is done with it. Stops at the first record still being
     * written. Returns the number of records handed over (discarded ones not counted).
     */
    int consume(RecordHandler handler, int maxRecords) {
        long cons = (long) LONG.getOpaque(consumerPage, 0L);
        long start = cons;
        int count = 0;
        try {
            while (count < maxRecords) {
                // acquire pairs with the kernel's release store of producer_pos
                long prod = (long) LONG.getAcquire(producerPage, 0L);
                if (cons >= prod) {
                    break;
                }
                boolean progressed = false;
                while (cons < prod && count < maxRecords) {
                    long at = cons & mask;
                    // acquire pairs with the release of the header in bpf_ringbuf_commit
                    int header = (int) INT.getAcquire(data, at);
                    if ((header & BUSY_BIT) != 0) {
                        return count;
                    }
                    int length = header & ~(BUSY_BIT | DISCARD_BIT);
                    cons += (length + HEADER_SIZE + 7) & ~7L;
                    progressed = true;
                    if ((header & DISCARD_BIT) == 0) {
                        handler.onRecord(data, at + HEADER_SIZE, length);
                        count++;
                    }
                }
                if (!progressed) {
                    break;
                }
            }
            return count;
        } finally {
            if (cons != start) {
                LONG.setRelease(consumerPage, 0L, cons);
            }
        }
    }
}
