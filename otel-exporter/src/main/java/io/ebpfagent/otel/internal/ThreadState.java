package io.ebpfagent.otel.internal;

import io.ebpfagent.otel.ThreadKey;

/**
 * Everything the exporter remembers about one tid: who it is and the last cumulative value of
 * each signal. Cells link to their series once per {@link #generation} (bumped on rename).
 */
final class ThreadState {
    ThreadKey key;
    int generation;

    final CounterCell onCpu = new CounterCell();
    final CounterCell offCpuVoluntary = new CounterCell();
    final CounterCell offCpuInvoluntary = new CounterCell();
    final CounterCell switchesVoluntary = new CounterCell();
    final CounterCell switchesInvoluntary = new CounterCell();
    final CounterCell minorFaults = new CounterCell();
    final CounterCell majorFaults = new CounterCell();
    final CounterCell retransmits = new CounterCell();
    final CounterCell readBeforeAttach = new CounterCell();
    final CounterCell writtenBeforeAttach = new CounterCell();
    final CounterCell runQueueTime = new CounterCell();
    final CounterCell diskRead = new CounterCell();
    final CounterCell diskWritten = new CounterCell();
    HistogramCell runQueue;
    /** By syscall number. */
    IntObjectMap<SyscallCells> syscalls;
    /** By {@code FileKind.ordinal() * 2 + IoDirection.ordinal()}. */
    FileCells[] files;
    /** By {@code ConnectOutcome.ordinal()}. */
    HistogramCell[] connects;

    ThreadState(ThreadKey key) {
        this.key = key;
    }

    static final class SyscallCells {
        final HistogramCell latency = new HistogramCell();
        final CounterCell errors = new CounterCell();
        /** The syscall naming the cells are linked under. */
        int naming = -1;
        /** Last cumulative time, for the process-wide ranking. */
        long lastSumNs;
    }

    static final class FileCells {
        final HistogramCell latency = new HistogramCell();
        final CounterCell bytes = new CounterCell();
    }
}
