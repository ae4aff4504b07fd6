package io.ebpfagent.agent.context;

import java.util.concurrent.atomic.AtomicLongArray;

/** Lock-free allocator of slot indices 0..capacity-1 (a bitmap claimed with CAS). */
final class SlotAllocator {
    private final AtomicLongArray bits;
    private final int capacity;

    SlotAllocator(int capacity) {
        this.capacity = capacity;
        this.bits = new AtomicLongArray((capacity + 63) / 64);
    }

    int capacity() {
        return capacity;
    }

    /** A free slot, or -1 when all are taken. */
    int allocate() {
        for (int word = 0; word < bits.length(); word++) {
            while (true) {
                long value = bits.get(word);
                int free = Long.numberOfTrailingZeros(~value);
                int slot = word * 64 + free;
                if (free == 64 || slot >= capacity) {
                    break;
                }
                if (bits.compareAndSet(word, value, value | (1L << free))) {
                    return slot;
                }
            }
        }
        return -1;
    }

    void release(int slot) {
        int word = slot / 64;
        long mask = 1L << (slot % 64);
        while (true) {
            long value = bits.get(word);
            if ((value & mask) == 0) {
                throw new IllegalStateException("slot " + slot + " is not allocated");
            }
            if (bits.compareAndSet(word, value, value & ~mask)) {
                return;
            }
        }
    }

    int used() {
        int used = 0;
        for (int i = 0; i < bits.length(); i++) {
            used += Long.bitCount(bits.get(i));
        }
        return used;
    }
}
