package io.ebpfagent.loader.perf;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.testing.TestBpf;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The perf event array reader fed by bpf_perf_event_output from a program run with BPF_PROG_TEST_RUN. */
class PerfReaderTest {
    private FileDescriptor events;
    private FileDescriptor counters;
    private FileDescriptor scratch;

    @BeforeEach
    void maps() {
        int cpus = io.ebpfagent.loader.sys.Cpus.possible();
        events = TestBpf.createMap("events", TestBpf.MAP_PERF_EVENT_ARRAY, 4, 4, cpus, 0);
        counters = TestBpf.createMap("counters", TestBpf.MAP_ARRAY, 4, 8, 2, 0);
        scratch = TestBpf.createMap("scratch", 6 /* PERCPU_ARRAY */, 4, 264, 1, 0);
    }

    @AfterEach
    void close() {
        events.close();
        counters.close();
        scratch.close();
    }

    private FileDescriptor program() {
        return TestBpf.loadFunction("perf.bpf.o", "emit", TestBpf.PROG_RAW_TRACEPOINT, 0,
                Map.of("events", events, "counters", counters, "scratch", scratch));
    }

    /** Every sample has the size its sequence number implies and intact content; sequence increases. */
    private static final class Check implements PerfRecordHandler {
        long expected;
        long samples;
        long gaps;
        long lostReported;

        @Override
        public void onSample(int cpu, MemorySegment buffer, long offset, int length) {
            long seq = buffer.get(JAVA_LONG.withByteAlignment(4), offset);
            long size = buffer.get(JAVA_LONG.withByteAlignment(4), offset + 8);
            if (size != 16 + (seq % 31) * 8) {
                throw new AssertionError("sample " + seq + " has size field " + size);
            }
            // the raw size is padded so that the record stays 8-byte aligned
            if (length < size || length > size + 7) {
                throw new AssertionError("sample " + seq + " of " + size + " bytes arrived as " + length);
            }
            if (seq < expected) {
                throw new AssertionError("duplicate or reordered sample " + seq);
            }
            gaps += seq - expected;
            expected = seq + 1;
            samples++;
        }

        @Override
        public void onLost(int cpu, long lost) {
            lostReported += lost;
        }
    }

    @Test
    void readsEverySampleAcrossRingWrapAround() {
        // 16 pages (64 KiB): a run writes ~38 KiB, so records cross the ring end every other run
        try (FileDescriptor prog = program();
             PerfReader reader = PerfReader.open(events, new PerfReaderOptions(16, 64, false))) {
            Check check = new Check();
            int runs = 200;
            for (int i = 0; i < runs; i++) {
                TestBpf.testRun(prog);
                while (reader.consume(check) > 0) {
                    // drain fully
                }
            }
            long produced = TestBpf.arrayLong(counters, 0);
            assertThat(produced).isEqualTo(runs * 256L);
            assertThat(TestBpf.arrayLong(counters, 1)).isZero();
            assertThat(check.samples).isEqualTo(produced);
            assertThat(reader.lost()).isZero();
        }
    }

    @Test
    void overflowIsReportedAsLost() {
        try (FileDescriptor prog = program();
             PerfReader reader = PerfReader.open(events, new PerfReaderOptions(1, 1, false))) {
            Check check = new Check();
            for (int i = 0; i < 4; i++) {
                TestBpf.testRun(prog);
            }
            while (reader.consume(check) > 0) {
                // drain
            }
            TestBpf.testRun(prog);
            while (reader.consume(check) > 0) {
                // the lost record is written once space frees up
            }
            long produced = TestBpf.arrayLong(counters, 0);
            long failed = TestBpf.arrayLong(counters, 1);
            assertThat(failed).isPositive();
            assertThat(reader.lost()).isEqualTo(check.lostReported).isPositive();
            assertThat(check.samples + failed).isEqualTo(produced);
            assertThat(reader.lost()).isLessThanOrEqualTo(failed);
        }
    }

    @Test
    void pollWakesOnDataAndCloseEndsIt() throws Exception {
        try (FileDescriptor prog = program()) {
            PerfReader reader = PerfReader.open(events, new PerfReaderOptions(64, 1, false));
            assertThat(reader.poll(50, new Check())).isZero();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                TestBpf.testRun(prog);
            });
            Check check = new Check();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (check.samples < 256 && System.nanoTime() < deadline) {
                reader.poll(1000, check);
            }
            t.join();
            assertThat(check.samples).isEqualTo(256);
            AtomicInteger result = new AtomicInteger(99);
            Thread poller = Thread.ofPlatform().start(() -> result.set(reader.poll(-1, check)));
            Thread.sleep(100);
            reader.close();
            poller.join(5000);
            assertThat(result.get()).isEqualTo(-1);
        }
    }
}
