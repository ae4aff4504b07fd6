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
    private static final int LENGTH_MASK = ~(BUSY_BIT | DISCARD_BIT);

    private static final VarHandle LONG = JAVA_LONG.varHandle();
    private static final VarHandle INT = JAVA_INT.varHandle();

    /**
     * All of memory, in the global scope; the hot loop and the handler address the ring through
     * it by absolute address. As a static constant its base, size and scope fold away in compiled
     * code, so an access costs the load plus two compares. Through the mapped segments C2 reloads
     * and checks their bounds, alignment and liveness after every acquire load of a header (one
     * per record), which made the drain ~1.6x slower than libbpf's. Sound because the owner
     * never unmaps the ring while {@link #consume} runs (RingBufferReader: under its lock, after
     * checking its closed flag) and offsets are masked into the mapping.
     */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private final MemorySegment consumerPage;
    private final MemorySegment producerPage;
    private final long consumerAddress;
    private final long producerAddress;
    private final long dataAddress;
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
        if (!consumerPage.isNative() || !producerPage.isNative() || !data.isNative()) {
            throw new IllegalArgumentException("ring regions must be native memory");
        }
        this.consumerAddress = consumerPage.address();
        this.producerAddress = producerPage.address();
        this.dataAddress = data.address();
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
     *
     * <p>One loop with few live values on purpose: the earlier nested loops made C2 spill to the
     * stack and cost ~2 ns per record; the handler gets {@link #ALL} and an absolute address, as
     * any segment with per-instance bounds is re-checked after each header's acquire load.
     */
    int consume(RecordHandler handler, int maxRecords) {
        final long base = this.dataAddress;
        final long mask = this.mask;
        final long start = (long) LONG.getOpaque(ALL, consumerAddress);
        long cons = start;
        // acquire pairs with the kernel's release store of producer_pos
        long prod = (long) LONG.getAcquire(ALL, producerAddress);
        int count = 0;
        try {
            while (count < maxRecords) {
                if (cons >= prod) {
                    // caught up: records committed meanwhile are drained in the same batch
                    prod = (long) LONG.getAcquire(ALL, producerAddress);
                    if (cons >= prod) {
                        break;
                    }
                }
                long at = cons & mask;
                // acquire pairs with the release of the header in bpf_ringbuf_commit
                int header = (int) INT.getAcquire(ALL, base + at);
                if ((header & BUSY_BIT) != 0) {
                    break;
                }
                int length = header & LENGTH_MASK;
                // advance first: a handler that throws does not get the same record again
                cons += (length + HEADER_SIZE + 7) & ~7L;
                if ((header & DISCARD_BIT) == 0) {
                    handler.onRecord(ALL, base + at + HEADER_SIZE, length);
                    count++;
                }
            }
            return count;
        } finally {
            if (cons != start) {
                LONG.setRelease(ALL, consumerAddress, cons);
            }
        }
    }
}
