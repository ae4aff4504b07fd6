package io.ebpfagent.loader.collection;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.sys.Mmap;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only, single-threaded drain of a BPF ring buffer map (the real reader is its own
 * package): consumer page mapped read-write, producer page and data (mapped twice by the
 * kernel) read-only.
 */
final class TestRingReader implements AutoCloseable {
    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment consumer;
    private final MemorySegment producer;
    private final long size;

    TestRingReader(BpfMap ring) {
        long page = Mmap.pageSize();
        size = ring.maxEntries();
        int fd = ring.fd().get();
        consumer = Mmap.map(arena, fd, page, Mmap.PROT_READ | Mmap.PROT_WRITE, Mmap.MAP_SHARED, 0);
        producer = Mmap.map(arena, fd, page + 2 * size, Mmap.PROT_READ, Mmap.MAP_SHARED, page);
    }

    /** Every committed record not read yet, as bytes. */
    List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        long cons = consumer.get(JAVA_LONG, 0);
        long prod = producer.get(JAVA_LONG, 0);
        long page = Mmap.pageSize();
        while (cons < prod) {
            long at = page + (cons & (size - 1));
            int len = producer.get(JAVA_INT, at);
            if ((len & BUSY) != 0) break;
            int n = len & ~(BUSY | DISCARD);
            if ((len & DISCARD) == 0) out.add(producer.asSlice(at + 8, n).toArray(JAVA_BYTE));
            cons += (n + 8 + 7) & ~7L;
        }
        consumer.set(JAVA_LONG, 0, cons);
        return out;
    }

    @Override
    public void close() {
        arena.close();
    }
}
