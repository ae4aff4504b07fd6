package io.ebpfagent.agent.kernel;

import io.ebpfagent.otel.FileKind;
import io.ebpfagent.otel.IoDirection;
import io.ebpfagent.otel.KernelSignals;
import io.ebpfagent.probes.FaultsProbe;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SyscallsProbe;

/**
 * Reads the probes' aggregation maps periodically and hands the cumulative per-thread values to
 * the exporter. Visitors and buffers are fields, so a collection round allocates nothing per map
 * entry. Threads that exited are reported last (the sched probe sees exits), after the other
 * probes' final values for them were read, and their entries are then dropped everywhere.
 */
final class KernelCollector implements Runnable {
    private final KernelSignals signals;
    private final EventBridge events;
    private final SchedProbe sched;
    private final SyscallsProbe syscalls;
    private final IoProbe io;
    private final FaultsProbe faults;
    private final long[] hist = new long[64];
    private int[] exited = new int[64];
    private int exitedCount;

    KernelCollector(KernelSignals signals, EventBridge events, SchedProbe sched, SyscallsProbe syscalls, IoProbe io,
                    FaultsProbe faults) {
        this.signals = signals;
        this.events = events;
        this.sched = sched;
        this.syscalls = syscalls;
        this.io = io;
        this.faults = faults;
    }

    @Override
    public void run() {
        if (syscalls != null) {
            syscalls.forEach(this::syscall);
        }
        if (io != null) {
            io.forEach(this::io);
        }
        if (faults != null) {
            faults.forEachThread(signals::onPageFaults);
        }
        events.drainTcp();
        exitedCount = 0;
        if (sched != null) {
            sched.forEachThread(this::sched);
        }
        // one walk per map for all exited threads, not one per thread
        if (syscalls != null) {
            syscalls.removeThreads(exited, exitedCount);
        }
        if (io != null) {
            io.removeThreads(exited, exitedCount);
        }
        for (int i = 0; i < exitedCount; i++) {
            int tid = exited[i];
            if (faults != null) {
                faults.removeThread(tid);
            }
            events.forget(tid);
            signals.onThreadExit(tid);
        }
    }

    private void sched(int tid, long oncpuNs, long offcpuVoluntaryNs, long offcpuInvoluntaryNs, long runqNs,
                       long voluntarySwitches, long involuntarySwitches, long wakeups, long migrations, boolean exitedNow) {
        signals.onCpuTime(tid, oncpuNs, offcpuVoluntaryNs, offcpuInvoluntaryNs);
        signals.onContextSwitches(tid, voluntarySwitches, involuntarySwitches);
        if (sched.runqHistogram(tid, hist)) {
            signals.onRunQueueLatency(tid, hist, runqNs);
        }
        if (exitedNow) {
            if (exitedCount == exited.length) {
                exited = java.util.Arrays.copyOf(exited, exited.length * 2);
            }
            exited[exitedCount++] = tid;
        }
    }

    private void syscall(int tid, int nr, long count, long errors, long totalNs, long maxNs) {
        long sum = totalNs;
        if (!syscalls.histogram(tid, nr, hist)) {
            java.util.Arrays.fill(hist, 0);
            sum = -1;
        }
        signals.onSyscall(tid, nr, count, errors, hist, sum);
    }

    private void io(int tid, int op, int fileType, long calls, long bytes, long errors, long totalNs, long maxNs) {
        IoDirection direction;
        if (op == IoProbe.OP_READ) {
            direction = IoDirection.READ;
        } else if (op == IoProbe.OP_WRITE) {
            direction = IoDirection.WRITE;
        } else {
            return; // fsync and open have their own events
        }
        FileKind kind = switch (fileType) {
            case IoProbe.FT_REG -> FileKind.REGULAR;
            case IoProbe.FT_SOCK -> FileKind.SOCKET;
            case IoProbe.FT_PIPE -> FileKind.PIPE;
            case IoProbe.FT_CHR -> FileKind.CHARACTER_DEVICE;
            default -> FileKind.OTHER;
        };
        long sum = totalNs;
        if (!io.histogram(tid, op, fileType, hist)) {
            java.util.Arrays.fill(hist, 0);
            sum = -1;
        }
        signals.onFileIo(tid, kind, direction, bytes, hist, sum);
    }
}
