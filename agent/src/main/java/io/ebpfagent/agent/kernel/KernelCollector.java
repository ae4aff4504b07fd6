package io.ebpfagent.agent.kernel;

import io.ebpfagent.otel.FileKind;
import io.ebpfagent.otel.IoDirection;
import io.ebpfagent.otel.KernelSignals;
import io.ebpfagent.probes.FaultsProbe;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.JvmProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SchedStatsVisitor;
import io.ebpfagent.probes.SyscallsProbe;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the probes' aggregation maps periodically and hands the cumulative per-thread values to
 * the exporter. Visitors and buffers are fields, so a collection round allocates nothing per map
 * entry (the first round, which also reads procfs, excepted).
 *
 * <p>The sched map is read first: it says which threads exited (marked at their final switch-out,
 * so every other map already holds their final values), and it is where the exporter first meets
 * most threads, while their names are still at hand in the kernel. The other maps follow; then the
 * entries of the exited threads are removed everywhere and the exporter forgets them.
 *
 * <p>With the sched probe running, page faults come from its map too (the task's own counters,
 * copied at every switch-out), not from the faults probe's.
 *
 * <p>The first round also starts the counters the kernel keeps per thread from the thread's start:
 * on-CPU time, switch counts and page faults are the task's own counters in the probes' maps
 * already; a thread without a map entry yet (it has not run, woken or faulted since the probes
 * attached) is reported from procfs instead, read before the maps, so its later kernel values are
 * never below it. I/O bytes before the I/O probe attached cannot be split by descriptor kind: they
 * are reported once per thread as {@code /proc} {@code rchar}/{@code wchar} minus what the probe had
 * counted by then.
 */
final class KernelCollector implements Runnable {
    private final KernelSignals signals;
    private final EventBridge events;
    private final SchedProbe sched;
    private final SyscallsProbe syscalls;
    private final IoProbe io;
    private final FaultsProbe faults;
    private final JvmProbe jvm;
    /** Page faults from the sched probe's copy of the task counters (the faults probe then has no minor-fault hook). */
    private final boolean faultsFromSched;
    private final long[] faultCounts = new long[2];
    private final long[] hist = new long[64];
    private int[] exited = new int[64];
    private int exitedCount;
    private boolean firstRound = true;
    /** First round only: the tids a walk visited, and the I/O bytes the probe had counted per tid. */
    private final Map<Integer, long[]> visited = new HashMap<>();

    private final SchedStatsVisitor schedVisitor = this::sched;
    private final SyscallsProbe.Visitor syscallVisitor = this::syscall;
    private final IoProbe.Visitor ioVisitor = this::io;
    private final FaultsProbe.Visitor faultsVisitor = this::faults;
    private final JvmProbe.CompilationVisitor compileVisitor;

    KernelCollector(KernelSignals signals, EventBridge events, SchedProbe sched, SyscallsProbe syscalls, IoProbe io,
                    FaultsProbe faults, JvmProbe jvm) {
        this.signals = signals;
        this.events = events;
        this.sched = sched;
        this.syscalls = syscalls;
        this.io = io;
        this.faults = faults;
        this.jvm = jvm;
        this.faultsFromSched = sched != null && faults != null;
        this.compileVisitor = (compiler, success, count, totalNs, latency) ->
                signals.onJitCompilations(compiler, success, count, latency, totalNs);
    }

    @Override
    public synchronized void run() {
        List<ProcTaskCounters> procfs = firstRound ? ProcTaskCounters.readAll() : null;
        exitedCount = 0;
        if (sched != null) {
            visited.clear();
            sched.forEachChangedThread(schedVisitor);
            if (procfs != null) {
                for (ProcTaskCounters c : procfs) {
                    if (!visited.containsKey(c.tid())) {
                        signals.onCpuTime(c.tid(), c.cpuNs(), 0, 0);
                        signals.onContextSwitches(c.tid(), c.voluntarySwitches(), c.involuntarySwitches());
                        if (faultsFromSched) {
                            signals.onPageFaults(c.tid(), c.minorFaults(), c.majorFaults());
                        }
                    }
                }
            }
        }
        if (syscalls != null) {
            syscalls.forEach(syscallVisitor);
            signals.onSyscallsCollected();
        }
        if (io != null) {
            visited.clear();
            io.forEach(ioVisitor);
            if (procfs != null) {
                for (ProcTaskCounters c : procfs) {
                    if (c.readBytes() < 0) {
                        continue;
                    }
                    long[] counted = visited.getOrDefault(c.tid(), new long[2]);
                    long before = Math.max(0, c.readBytes() - counted[0]);
                    long writtenBefore = Math.max(0, c.writtenBytes() - counted[1]);
                    if (before > 0 || writtenBefore > 0) {
                        signals.onIoBeforeAttach(c.tid(), before, writtenBefore);
                    }
                }
            }
        }
        if (faults != null && !faultsFromSched) {
            visited.clear();
            faults.forEachThread(faultsVisitor);
            if (procfs != null) {
                for (ProcTaskCounters c : procfs) {
                    if (!visited.containsKey(c.tid())) {
                        signals.onPageFaults(c.tid(), c.minorFaults(), c.majorFaults());
                    }
                }
            }
        }
        if (jvm != null) {
            jvm.forEachCompilation(compileVisitor);
        }
        events.drainTcp();
        // one walk per map for all exited threads, not one per thread
        if (syscalls != null) {
            syscalls.removeThreads(exited, exitedCount);
        }
        if (io != null) {
            io.removeThreads(exited, exitedCount);
        }
        if (jvm != null) {
            jvm.forgetThreads(exited, exitedCount);
        }
        for (int i = 0; i < exitedCount; i++) {
            int tid = exited[i];
            if (faults != null) {
                faults.removeThread(tid);
            }
            events.forget(tid);
            signals.onThreadExit(tid);
        }
        if (firstRound) {
            firstRound = false;
            visited.clear();
        }
    }

    private void sched(int tid, long oncpuNs, long offcpuVoluntaryNs, long offcpuInvoluntaryNs, long runqNs,
                       long voluntarySwitches, long involuntarySwitches, long wakeups, long migrations, boolean exitedNow) {
        if (firstRound) {
            visited.put(tid, null);
        }
        if (exitedNow) {
            signals.onThreadEnding(tid);
        }
        signals.onCpuTime(tid, oncpuNs, offcpuVoluntaryNs, offcpuInvoluntaryNs);
        signals.onContextSwitches(tid, voluntarySwitches, involuntarySwitches);
        if (faultsFromSched && sched.pageFaults(tid, faultCounts)) {
            signals.onPageFaults(tid, faultCounts[0], faultCounts[1]);
        }
        if (sched.runqHistogram(tid, hist)) {
            signals.onRunQueueLatency(tid, hist, runqNs);
        }
        if (exitedNow) {
            if (exitedCount == exited.length) {
                exited = Arrays.copyOf(exited, exited.length * 2);
            }
            exited[exitedCount++] = tid;
        }
    }

    private void faults(int tid, long minor, long major) {
        if (firstRound) {
            visited.put(tid, null);
        }
        signals.onPageFaults(tid, minor, major);
    }

    private void syscall(int tid, int nr, long count, long errors, long totalNs, long maxNs) {
        long sum = totalNs;
        if (!syscalls.histogram(tid, nr, hist)) {
            Arrays.fill(hist, 0);
            sum = -1;
        }
        signals.onSyscall(tid, nr, count, errors, hist, sum);
    }

    private void io(int tid, int op, int fileType, long calls, long bytes, long errors, long totalNs, long maxNs) {
        if (op == IoProbe.OP_DISK_READ || op == IoProbe.OP_DISK_WRITE) {
            signals.onDiskIo(tid, op == IoProbe.OP_DISK_READ ? IoDirection.READ : IoDirection.WRITE, bytes);
            return;
        }
        IoDirection direction;
        if (op == IoProbe.OP_READ) {
            direction = IoDirection.READ;
        } else if (op == IoProbe.OP_WRITE) {
            direction = IoDirection.WRITE;
        } else {
            return; // fsync and open have their own events
        }
        if (firstRound) {
            visited.computeIfAbsent(tid, t -> new long[2])[direction == IoDirection.READ ? 0 : 1] += bytes;
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
            Arrays.fill(hist, 0);
            sum = -1;
        }
        signals.onFileIo(tid, kind, direction, bytes, hist, sum);
    }
}
