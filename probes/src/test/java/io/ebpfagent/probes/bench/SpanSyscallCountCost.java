package io.ebpfagent.probes.bench;

import io.ebpfagent.loader.programs.ProgramInfo;
import io.ebpfagent.loader.programs.Stats;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.ebpfagent.probes.SyscallsProbe;

/**
 * What counting system calls into {@code span_times} adds to the syscalls probe's
 * {@code sys_enter} program: its run time per run (BPF_ENABLE_STATS) over getpid calls of this
 * thread (every process's runs: most leave at the process test) and the wall time per getpid, with the counting off, on for a thread without a span-context slot, and on for a thread
 * with one; phases interleaved, order rotated per round. The sched probe runs in every phase.
 * Run as root: {@code java -cp <probes test classpath> io.ebpfagent.probes.bench.SpanSyscallCountCost [rounds] [calls]}.
 */
public final class SpanSyscallCountCost {
    private SpanSyscallCountCost() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        String[] phases = {"counting off", "on, no slot", "on, slot"};
        double[][] nsPerRun = new double[phases.length][rounds];
        double[][] wallPerCall = new double[phases.length][rounds];
        int tid = (int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0);
        try (Stats stats = Stats.enable(); SharedMaps shared = SharedMaps.create();
             SchedProbe sched = SchedProbe.start(SchedProbe.Config.defaults(), shared)) {
            getpids(calls); // JIT
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < phases.length; i++) {
                    int p = (i + r) % phases.length;
                    if (p == 2) {
                        shared.bindThread(tid, 1);
                    }
                    try (SyscallsProbe probe = SyscallsProbe.start(SyscallsProbe.Config.defaults(), shared,
                            p == 0 ? null : sched.spanTimesMap())) {
                        ProgramInfo before = probe.programs().get("on_sys_enter").info();
                        long t0 = System.nanoTime();
                        getpids(calls);
                        wallPerCall[p][r] = (double) (System.nanoTime() - t0) / calls;
                        ProgramInfo after = probe.programs().get("on_sys_enter").info();
                        nsPerRun[p][r] = (double) (after.runTimeNs() - before.runTimeNs())
                                / Math.max(1, after.runCount() - before.runCount());
                    } finally {
                        shared.unbindThread(tid);
                    }
                }
            }
        }
        System.out.printf("load average %s%n", java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        for (int p = 0; p < phases.length; p++) {
            double[] v = nsPerRun[p].clone();
            java.util.Arrays.sort(v);
            System.out.printf("%-13s sys_enter ns/run: median %.1f, min %.1f, max %.1f, median ratio to off %.3f%n",
                    phases[p], v[v.length / 2], v[0], v[v.length - 1], v[v.length / 2] / median(nsPerRun[0]));
            System.out.printf("%-13s getpid wall ns: median %.1f, median ratio to off %.3f%n", phases[p],
                    median(wallPerCall[p]), median(wallPerCall[p]) / median(wallPerCall[0]));
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }

    private static void getpids(int n) {
        for (int i = 0; i < n; i++) {
            Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0);
        }
    }
}
