package io.ebpfagent.loader.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapSpec;
import io.ebpfagent.loader.maps.MapType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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
 * {@link BpfMap}'s allocation-free MemorySegment lookup and update on a hash map with u32 keys
 * ({@link #ENTRIES} present keys, visited in turn), the same shape as map_bench.c.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MapBenchmark {
    public static final int ENTRIES = 1024;

    @Param({"8", "64"})
    public int valueSize;

    private BpfMap map;
    private Arena arena;
    private MemorySegment key;
    private MemorySegment value;
    private int i;

    @Setup(Level.Trial)
    public void open() {
        map = BpfMap.create(MapSpec.of("bench_java", MapType.HASH, 4, valueSize, ENTRIES));
        arena = Arena.ofShared();
        key = arena.allocate(4, 8);
        value = arena.allocate(valueSize, 8);
        for (int k = 0; k < ENTRIES; k++) {
            key.set(JAVA_INT, 0, k);
            value.set(JAVA_LONG, 0, k);
            map.update(key, value, BpfMap.ANY);
        }
    }

    @Benchmark
    public long lookup() {
        key.set(JAVA_INT, 0, i++ & (ENTRIES - 1));
        if (!map.lookup(key, value)) {
            throw new IllegalStateException("key missing");
        }
        return value.get(JAVA_LONG, 0);
    }

    @Benchmark
    public void update() {
        key.set(JAVA_INT, 0, i & (ENTRIES - 1));
        value.set(JAVA_LONG, 0, i++);
        map.update(key, value, BpfMap.ANY);
    }

    @TearDown(Level.Trial)
    public void close() {
        map.close();
        arena.close();
    }
}
