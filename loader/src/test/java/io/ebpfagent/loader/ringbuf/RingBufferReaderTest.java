package io.ebpfagent.loader.ringbuf;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.testing.TestBpf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reader against the kernel's ring buffer, fed by a BPF program run with BPF_PROG_TEST_RUN. */
class RingBufferReaderTest {
    private static final int RING_SIZE = 1 << 20;
    private static final ValueLayout.OfLong U64 = JAVA_LONG.withByteAlignment(8);
    private FileDescriptor rb;
    private FileDescriptor counters;

    @BeforeEach
    void maps() {
        rb = TestBpf.createMap("rb", TestBpf.MAP_RINGBUF, 0, 0, RING_SIZE, 0);
        counters = TestBpf.createMap("counters", TestBpf.MAP_ARRAY, 4, 8, 4, 0);
    }

    @AfterEach
    void close() {
        rb.close();
        counters.close();
    }

    private FileDescriptor program(String name) {
        return TestBpf.loadFunction("ringbuf.bpf.o", name, TestBpf.PROG_RAW_TRACEPOINT, 0,
                Map.of("rb", rb, "counters", counters));
    }

    /** Checks sequence numbers: strictly increasing, payload intact; gaps only for failed reservations. */
    private static final class SequenceCheck implements RecordHandler {
        long expected;
        long consumed;
        long gaps;
        final int size;

        SequenceCheck(int size) {
            this.size = size;
        }

        @Override
        public void onRecord(MemorySegment ring, long offset, int length) {
            if (length != size) {
                throw new AssertionError("record length " + length);
            }
            long seq = ring.get(U64, offset);
            if (ring.get(U64, offset + 8) != ~seq) {
                throw new AssertionError("torn record " + seq);
            }
            if (seq < expected) {
                throw new AssertionError("duplicate or reordered record " + seq + " < " + expected);
            }
            gaps += seq - expected;
            expected = seq + 1;
            consumed++;
        }
    }

    @Test
    void millionsOfRecordsNothingLostNoDuplicatesInOrder() throws Exception {
        // the producer waits while the ring is more than half full: no reservation may fail
        SequenceCheck check = runLoad(16, 1 << 21, true);
        assertThat(check.gaps).isZero();
        assertThat(check.consumed).isEqualTo(1 << 21);
    }

    @Test
    void overloadedRingAccountsForEveryRecord() throws Exception {
        // unpaced: the kernel outruns the reader, failed reservations explain every gap
        runLoad(16, 1 << 20, false);
    }

    @Test
    void bigRecords() throws Exception {
        SequenceCheck check = runLoad(256, 1 << 19, true);
        assertThat(check.consumed).isEqualTo(1 << 19);
    }

    private SequenceCheck runLoad(int size, int total, boolean paced) throws Exception {
        try (FileDescriptor prog = program(size == 16 ? "produce_small" : "produce_big");
             RingBufferReader reader = RingBufferReader.open(rb, RING_SIZE)) {
            SequenceCheck check = new SequenceCheck(size);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread producer = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < total / 512; i++) {
                        while (paced && reader.available() > RING_SIZE / 2) {
                            Thread.onSpinWait();
                        }
                        TestBpf.testRun(prog);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    done.countDown();
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (done.getCount() > 0 || reader.available() > 0) {
                reader.poll(10, check);
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
            producer.join();
            assertThat(failure.get()).isNull();
            long produced = TestBpf.arrayLong(counters, 0);
            long failed = TestBpf.arrayLong(counters, 1);
            assertThat(produced).isEqualTo(total);
            assertThat(check.consumed + failed).isEqualTo(produced);
            // failures after the last record read leave no gap behind it
            assertThat(check.gaps + (produced - check.expected)).isEqualTo(failed);
            if (paced) {
                assertThat(failed).isZero();
            }
            return check;
        }
    }

    @Test
    void discardedRecordsAreSkipped() {
        try (FileDescriptor prog = loadSecond();
             RingBufferReader reader = RingBufferReader.open(rb, RING_SIZE)) {
            TestBpf.testRun(prog);
            List<Long> seen = new ArrayList<>();
            int n = reader.consume((seg, off, len) -> seen.add(seg.get(U64, off)));
            assertThat(n).isEqualTo(32);
            assertThat(seen).allMatch(s -> s % 2 == 0).hasSize(32);
            assertThat(reader.available()).isZero();
        }
    }

    private FileDescriptor loadSecond() {
        return TestBpf.loadFunction("ringbuf.bpf.o", "produce_discard", TestBpf.PROG_RAW_TRACEPOINT, 0,
                Map.of("rb", rb, "counters", counters));
    }

    @Test
    void copyingReadAndCloseFromAnotherThreadEndsPoll() throws Exception {
        try (FileDescriptor prog = loadSecond()) {
            RingBufferReader reader = RingBufferReader.open(rb, RING_SIZE);
            TestBpf.testRun(prog);
            RecordBuffer buf = new RecordBuffer(4);
            assertThat(reader.read(buf, 100)).isTrue();
            assertThat(buf.length()).isEqualTo(16);
            assertThat(ByteBuffer.wrap(buf.data(), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()).isZero();
            assertThat(reader.read(buf, 100)).isTrue();
            assertThat(ByteBuffer.wrap(buf.data(), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(2);
            reader.consume((s, o, l) -> { });
            AtomicInteger result = new AtomicInteger(99);
            Thread poller = Thread.ofPlatform().start(() -> result.set(reader.poll(-1, (s, o, l) -> { })));
            Thread.sleep(200);
            assertThat(poller.isAlive()).isTrue();
            reader.close();
            poller.join(5000);
            assertThat(poller.isAlive()).isFalse();
            assertThat(result.get()).isEqualTo(-1);
            assertThat(reader.poll(0, (s, o, l) -> { })).isEqualTo(-1);
        }
    }

    @Test
    void groupDrainsSeveralRings() throws Exception {
        try (FileDescriptor rb2 = TestBpf.createMap("rb", TestBpf.MAP_RINGBUF, 0, 0, 4096 * 4, 0);
             FileDescriptor prog1 = loadSecond();
             FileDescriptor prog2 = TestBpf.loadFunction("ringbuf.bpf.o", "produce_discard",
                     TestBpf.PROG_RAW_TRACEPOINT, 0, Map.of("rb", rb2, "counters", counters));
             RingBufferGroup group = new RingBufferGroup(4)) {
            AtomicInteger a = new AtomicInteger();
            AtomicInteger b = new AtomicInteger();
            group.add(RingBufferReader.open(rb, RING_SIZE), (s, o, l) -> a.incrementAndGet());
            group.add(RingBufferReader.open(rb2, 4096 * 4), (s, o, l) -> b.incrementAndGet());
            assertThat(group.poll(50)).isZero();
            TestBpf.testRun(prog2);
            assertThat(group.poll(1000)).isEqualTo(32);
            assertThat(b.get()).isEqualTo(32);
            TestBpf.testRun(prog1);
            TestBpf.testRun(prog2);
            int n = 0;
            while (n < 64) {
                n += group.poll(1000);
            }
            assertThat(a.get()).isEqualTo(32);
            assertThat(b.get()).isEqualTo(64);
        }
    }
}
