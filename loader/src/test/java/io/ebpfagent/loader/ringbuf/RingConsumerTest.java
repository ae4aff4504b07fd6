package io.ebpfagent.loader.ringbuf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The consumer logic on a ring built in plain memory, written the way the kernel writes it. */
class RingConsumerTest {
    private static final int SIZE = 256;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment consumer = arena.allocate(8, 8);
    private final MemorySegment producer = arena.allocate(8, 8);
    private final MemorySegment data = arena.allocate(2 * SIZE, 8);
    private final RingConsumer ring = new RingConsumer(consumer, producer, data, SIZE);
    private long prod;

    @AfterEach
    void close() {
        arena.close();
    }

    /** Reserves a record like bpf_ringbuf_reserve, writing through both mappings of the data. */
    private long reserve(int length) {
        long at = prod;
        put(JAVA_INT, at, length | RingConsumer.BUSY_BIT);
        put(JAVA_INT, at + 4, 0);
        prod += (length + 8 + 7) & ~7;
        producer.set(JAVA_LONG, 0, prod);
        return at;
    }

    private void commit(long at, int length, boolean discard) {
        put(JAVA_INT, at, length | (discard ? RingConsumer.DISCARD_BIT : 0));
    }

    private void write(long at, long value) {
        put(JAVA_LONG, at + 8, value);
    }

    private void put(java.lang.foreign.ValueLayout.OfInt layout, long pos, int v) {
        data.set(layout, pos & (SIZE - 1), v);
        data.set(layout, (pos & (SIZE - 1)) + SIZE, v);
    }

    private void put(java.lang.foreign.ValueLayout.OfLong layout, long pos, long v) {
        // a record may cross the end of the ring: write it bytewise at both positions
        for (int i = 0; i < 8; i++) {
            byte b = (byte) (v >>> (8 * i));
            long p = (pos + i) & (SIZE - 1);
            data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, p, b);
            data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, p + SIZE, b);
        }
    }

    private long emit(long value) {
        long at = reserve(8);
        write(at, value);
        commit(at, 8, false);
        return at;
    }

    private List<Long> drain() {
        List<Long> out = new ArrayList<>();
        ring.consume((seg, off, len) -> {
            assertThat(len).isEqualTo(8);
            out.add(seg.get(JAVA_LONG.withByteAlignment(1), off));
        }, Integer.MAX_VALUE);
        return out;
    }

    @Test
    void readsRecordsInOrderAndAdvancesTheConsumer() {
        emit(1);
        emit(2);
        emit(3);
        assertThat(ring.available()).isEqualTo(48);
        assertThat(drain()).containsExactly(1L, 2L, 3L);
        assertThat(consumer.get(JAVA_LONG, 0)).isEqualTo(48);
        assertThat(ring.available()).isZero();
        assertThat(drain()).isEmpty();
    }

    @Test
    void wrapsAroundTheEndOfTheRing() {
        long value = 0;
        List<Long> seen = new ArrayList<>();
        // 16-byte records in a 256-byte ring: positions cross the end many times
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 7; i++) {
                emit(value++);
            }
            seen.addAll(drain());
        }
        assertThat(seen).hasSize(350);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
    }

    @Test
    void recordCrossingTheRingEndIsContiguous() {
        // move the positions so that a 24-byte payload starts 8 bytes before the end
        prod = SIZE - 16;
        consumer.set(JAVA_LONG, 0, prod);
        long at = reserve(24);
        for (int i = 0; i < 3; i++) {
            put(JAVA_LONG, at + 8 + 8 * i, 100 + i);
        }
        commit(at, 24, false);
        List<long[]> got = new ArrayList<>();
        int n = ring.consume((seg, off, len) -> got.add(new long[] {
                seg.get(JAVA_LONG.withByteAlignment(1), off),
                seg.get(JAVA_LONG.withByteAlignment(1), off + 8),
                seg.get(JAVA_LONG.withByteAlignment(1), off + 16)}), 10);
        assertThat(n).isEqualTo(1);
        assertThat(got.getFirst()).containsExactly(100, 101, 102);
    }

    @Test
    void skipsDiscardedRecords() {
        emit(1);
        long at = reserve(8);
        write(at, 99);
        commit(at, 8, true);
        emit(3);
        assertThat(drain()).containsExactly(1L, 3L);
        assertThat(ring.available()).isZero();
    }

    @Test
    void stopsAtABusyRecordAndResumesAfterCommit() {
        emit(1);
        long busy = reserve(8);
        emit(3);
        assertThat(drain()).containsExactly(1L);
        assertThat(consumer.get(JAVA_LONG, 0)).isEqualTo(16);
        write(busy, 2);
        commit(busy, 8, false);
        assertThat(drain()).containsExactly(2L, 3L);
    }

    @Test
    void honoursTheRecordLimit() {
        for (int i = 0; i < 5; i++) {
            emit(i);
        }
        List<Long> out = new ArrayList<>();
        assertThat(ring.consume((s, o, l) -> out.add(s.get(JAVA_LONG.withByteAlignment(1), o)), 2)).isEqualTo(2);
        assertThat(out).containsExactly(0L, 1L);
        assertThat(drain()).containsExactly(2L, 3L, 4L);
    }
}
