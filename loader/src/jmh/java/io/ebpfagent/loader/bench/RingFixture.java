package io.ebpfagent.loader.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import io.ebpfagent.loader.ringbuf.RingBufferReader;
import io.ebpfagent.loader.sys.Bpf;
import io.ebpfagent.loader.sys.BpfAttr;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.testing.TestBpf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * The ring buffer, the producer program (ringbuf_bench.bpf.o, the object the C baseline loads
 * too) and a reader on the ring, shaped exactly like the C side: ring of {@link #RING_SIZE}
 * bytes, {@link #PER_RUN} records per {@code BPF_PROG_TEST_RUN}.
 */
final class RingFixture implements AutoCloseable {
    /** Must match {@code max_entries} of {@code rb} in ringbuf_bench.bpf.c, which the C side uses. */
    static final int RING_SIZE = 1 << 22;
    /** Records per producer run: {@code MAX_PER_RUN} of ringbuf_bench.bpf.c, {@code PER_RUN} of the C side. */
    static final int PER_RUN = 256;

    final BpfMap ring;
    final BpfMap bench;
    final FileDescriptor program;
    final RingBufferReader reader;

    RingFixture(int recordSize) {
        ring = BpfMap.create(MapSpec.of("rb", MapType.RINGBUF, 0, 0, RING_SIZE));
        bench = BpfMap.create(MapSpec.of("bench", MapType.ARRAY, 4, 8, 4));
        bench.updateLong(0, PER_RUN);
        bench.updateLong(3, recordSize);
        program = TestBpf.loadFunction("ringbuf_bench.bpf.o", "produce", TestBpf.PROG_RAW_TRACEPOINT,
                0, Map.of("rb", ring.fd(), "bench", bench.fd()));
        reader = RingBufferReader.open(ring.fd(), RING_SIZE);
    }

    /** Bytes one record takes in the ring: 8-byte header, payload rounded up to 8. */
    static long slot(int recordSize) {
        return (recordSize + 8 + 7) & ~7L;
    }

    /** A reusable {@code BPF_PROG_TEST_RUN} attribute for one thread. */
    MemorySegment testRunAttr(Arena arena) {
        MemorySegment attr = arena.allocate(BpfAttr.TestRun.LAYOUT);
        attr.set(JAVA_INT, BpfAttr.TestRun.PROG_FD, program.get());
        return attr;
    }

    /** One producer run; the program returns non-zero when its configuration is wrong. */
    static void run(MemorySegment attr) {
        Bpf.progTestRun(attr);
        int retval = attr.get(JAVA_INT, BpfAttr.TestRun.RETVAL);
        if (retval != 0) {
            throw new IllegalStateException("producer program returned " + retval);
        }
    }

    @Override
    public void close() {
        reader.close();
        program.close();
        bench.close();
        ring.close();
    }

    /** Reads the fields C's handler reads, so both consumers touch each record alike. */
    static final class ChecksumHandler implements io.ebpfagent.loader.ringbuf.RecordHandler {
        long sum;

        @Override
        public void onRecord(MemorySegment ring, long offset, int length) {
            sum += ring.get(JAVA_LONG, offset) + ring.get(JAVA_LONG, offset + 8) + length;
        }
    }
}
