package io.ebpfagent.loader.perf;

import java.lang.foreign.MemorySegment;

/**
 * Receives the records of a {@link PerfReader}. The sample is the {@code length} bytes at
 * {@code offset} of {@code buffer}, valid until the handler returns.
 */
@FunctionalInterface
public interface PerfRecordHandler {
    /** A {@code PERF_RECORD_SAMPLE}'s raw data, as written by {@code bpf_perf_event_output}. */
    void onSample(int cpu, MemorySegment buffer, long offset, int length);

    /** The kernel dropped {@code lost} samples on {@code cpu} because the ring was full. */
    default void onLost(int cpu, long lost) {
    }
}
