package io.ebpfagent.loader.bench;

import io.ebpfagent.loader.bench.RingFixture.ChecksumHandler;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Producer and consumer together: a producer thread runs the BPF program back to back
 * ({@link RingFixture#PER_RUN} records per run, stopping early when the ring is full) while the
 * benchmark thread polls; the secondary result {@code records} is records consumed per second.
 * The producer runs only during an iteration, like the C baseline's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RingEndToEndBenchmark {
    @Param({"16", "256"})
    public int recordSize;

    private RingFixture fixture;
    private final ChecksumHandler handler = new ChecksumHandler();
    private volatile boolean producing;
    private Thread producer;

    /** Records consumed, reported by JMH as a rate. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Consumed {
        public long records;

        @Setup(Level.Iteration)
        public void reset() {
            records = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() {
        fixture = new RingFixture(recordSize);
    }

    @Setup(Level.Iteration)
    public void startProducer() {
        fixture.reader.consume(handler);
        producing = true;
        producer = Thread.ofPlatform().name("bpf-producer").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment attr = fixture.testRunAttr(arena);
                while (producing) {
                    RingFixture.run(attr);
                }
            }
        });
    }

    @Benchmark
    public long poll(Consumed consumed) {
        int n = fixture.reader.poll(100, handler);
        if (n > 0) {
            consumed.records += n;
        }
        return handler.sum;
    }

    @TearDown(Level.Iteration)
    public void stopProducer() throws InterruptedException {
        producing = false;
        producer.join();
    }

    @TearDown(Level.Trial)
    public void close() {
        fixture.close();
    }
}
