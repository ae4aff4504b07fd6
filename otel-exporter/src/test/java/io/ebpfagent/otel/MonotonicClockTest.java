package io.ebpfagent.otel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MonotonicClockTest {

    /** The kernel's CLOCK_MONOTONIC (what bpf_ktime_get_ns reads), straight from libc. */
    static final MethodHandle GETTIME;

    static {
        Linker linker = Linker.nativeLinker();
        GETTIME = linker.downcallHandle(linker.defaultLookup().find("clock_gettime").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    static long clockMonotonicNs(MemorySegment ts) throws Throwable {
        int rc = (int) GETTIME.invokeExact(1 /* CLOCK_MONOTONIC */, ts);
        assertThat(rc).isZero();
        return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
    }

    static long epochNs(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void kernelMonotonicTimestampsMapToWallClock() throws Throwable {
        MonotonicClock clock = MonotonicClock.measure();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8);
            clockMonotonicNs(ts); // links the downcall
            long before = epochNs(Instant.now());
            long mono = clockMonotonicNs(ts);
            long after = epochNs(Instant.now());
            long mapped = clock.toEpochNanos(mono);
            // the kernel read lies between the two wall-clock reads (Instant has µs resolution)
            assertThat(mapped).isBetween(before - 50_000L, after + 50_000L);
        }
    }
}
