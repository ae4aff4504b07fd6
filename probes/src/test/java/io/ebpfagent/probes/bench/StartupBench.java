package io.ebpfagent.probes.bench;

import io.ebpfagent.probes.FaultsProbe;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.JvmProbe;
import io.ebpfagent.probes.NetProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.ebpfagent.probes.SyscallsProbe;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Starts the agent's default probe set (shared maps, sched, jvm, syscalls, io, net, faults) once
 * in this fresh JVM and prints wall-clock time per probe, then the CPU time of the main thread,
 * of the whole process and of the JIT compiler threads: what a cold agent pays to start. Not a
 * test (run it as a main, as root); see docs/benchmarks.md, "Agent startup".
 */
public final class StartupBench {
    private StartupBench() {
    }

    public static void main(String[] args) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        long t0 = System.nanoTime();
        SharedMaps shared = time("shared", out, SharedMaps::create);
        started.add(time("sched", out, () -> SchedProbe.start(SchedProbe.Config.defaults(), shared)));
        started.add(time("jvm", out, () -> JvmProbe.start(JvmProbe.Config.defaults(), shared)));
        started.add(time("syscalls", out, () -> SyscallsProbe.start(SyscallsProbe.Config.defaults(), shared)));
        started.add(time("io", out, () -> IoProbe.start(IoProbe.Config.defaults(), shared)));
        started.add(time("net", out, () -> NetProbe.start(NetProbe.Config.defaults(), shared)));
        started.add(time("faults", out, () -> FaultsProbe.start(FaultsProbe.Config.defaults(), shared)));
        long wall = System.nanoTime() - t0;
        long mainCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long processCpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        out.append("TOTAL wall ").append(wall / 1_000_000).append(" ms, main-thread cpu ").append(mainCpu / 1_000_000)
                .append(" ms, process cpu ").append(processCpu / 1_000_000).append(" ms, jit cpu ")
                .append(threadCpuMillis().getOrDefault("C# CompilerThre", 0L)).append(" ms\n");
        System.out.print(out);
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        shared.close();
    }

    private static <T> T time(String name, StringBuilder out, Supplier<T> start) {
        long s = System.nanoTime();
        T value = start.get();
        out.append(name).append(' ').append((System.nanoTime() - s) / 1_000_000).append(" ms\n");
        return value;
    }

    /** CPU milliseconds per thread name (digits folded), from /proc/self/task: includes JIT threads. */
    private static Map<String, Long> threadCpuMillis() throws Exception {
        Map<String, Long> byName = new TreeMap<>();
        File[] tasks = new File("/proc/self/task").listFiles();
        if (tasks == null) {
            return byName;
        }
        for (File t : tasks) {
            String stat = Files.readString(new File(t, "stat").toPath());
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, 100 Hz
            byName.merge(comm, ticks * 10, Long::sum);
        }
        return byName;
    }
}
