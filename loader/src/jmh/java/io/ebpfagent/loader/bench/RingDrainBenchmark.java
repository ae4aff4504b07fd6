package io.ebpfagent.loader.bench;

import io.ebpfagent.loader.bench.RingFixture.ChecksumHandler;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Consumer only: the ring is filled with {@link #RECORDS} records before each invocation
 * (not timed), the invocation drains them; the score is ns per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(RingDrainBenchmark.RECORDS)
public class RingDrainBenchmark {
    /** Fits the 4 MiB ring with 256-byte records (264 bytes each in the ring). */
    public static final int RECORDS = 12288;

    @Param({"16", "256"})
    public int recordSize;

    private RingFixture fixture;
    private Arena arena;
    private MemorySegment testRun;
    private final ChecksumHandler handler = new ChecksumHandler();

    @Setup(Level.Trial)
    public void open() {
        fixture = new RingFixture(recordSize);
        arena = Arena.ofShared();
        testRun = fixture.testRunAttr(arena);
    }

    @Setup(Level.Invocation)
    public void fill() {
        for (int r = 0; r < RECORDS; r += RingFixture.PER_RUN) {
            RingFixture.run(testRun);
        }
        long expected = RECORDS * RingFixture.slot(recordSize);
        if (fixture.reader.available() != expected) {
            throw new IllegalStateException("ring holds " + fixture.reader.available() + " bytes, expected " + expected);
        }
    }

    @Benchmark
    public long drain() {
        int n = fixture.reader.consume(handler);
        if (n != RECORDS) {
            throw new IllegalStateException("drained " + n + " records, expected " + RECORDS);
        }
        return handler.sum;
    }

    @TearDown(Level.Trial)
    public void close() {
        fixture.close();
        arena.close();
    }
}
