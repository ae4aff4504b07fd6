package io.ebpfagent.probes.bench;

import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.ebpfagent.probes.SyscallsProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a hook costs the hooked code end to end, against the least a program on that hook can do:
 * wall time per context switch of two threads handing a turn to each other ({@link PingPong};
 * the caller pins the JVM to one CPU, so that every hand-off is a switch on that CPU and no
 * wakeup of an idle one), and per {@code getpid} system call and 1-byte write to
 * {@code /dev/null} (a call the io probe times) in a loop. Variants: nothing
 * attached; {@code hook_floor.bpf.o}'s programs, which test the process and count (the switch
 * one also with a clock read); the sched probe with the agent's settings; the syscalls probe, and
 * the syscalls and io probes together, with the agent's settings when every probe is on (the io
 * probe's system-call programs run from the syscalls probe's) and each on hooks of its own. BPF
 * statistics stay off (they add two clock reads per run). Every round measures every variant of a
 * workload once, the order rotated from round to round; the result is the median over the rounds
 * of each variant's time minus the time with nothing attached in the same round.
 *
 * <p>Run (root): {@code ./run bench-hook-floor [rounds] [round trips] [calls]}.
 */
public final class HookFloorCost {
    private static final long GETPID = SyscallNumbers.GETPID;
    private static final Path RUNQLAT = Path.of("/usr/sbin/runqlat");
    private static volatile long sink;

    private HookFloorCost() {
    }

    /** One way of hooking this JVM; {@link #attach} answers what to close to take it away. */
    private record Variant(String name, Attach attach) {
    }

    @FunctionalInterface
    private interface Attach {
        AutoCloseable attach(int pid) throws Exception;
    }

    @FunctionalInterface
    private interface Workload {
        /** Nanoseconds per operation. */
        double run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int roundTrips = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 2_000_000;
        int pid = (int) ProcessHandle.current().pid();
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf(Locale.ROOT, "hook floor cost: %d rounds, %d round trips, %d getpid calls per measurement;"
                + " CPUs allowed: %s%n", rounds, roundTrips, calls, allowedCpus());

        List<Variant> switchVariants = List.of(
                new Variant("nothing attached", p -> () -> { }),
                new Variant("floor_switch (tests the process, counts)", p -> new KernelHooksHolder.Floor(p,
                        List.of("floor_switch"))),
                new Variant("floor_switch_clock (and reads CLOCK_MONOTONIC)", p -> new KernelHooksHolder.Floor(p,
                        List.of("floor_switch_clock"))),
                new Variant("sched probe, the agent's settings", HookFloorCost::sched));
        if (Files.isExecutable(RUNQLAT)) {
            switchVariants = new ArrayList<>(switchVariants);
            switchVariants.add(new Variant("libbpf-tools runqlat (reference)", p -> runqlat()));
        }
        List<Variant> syscallVariants = List.of(
                new Variant("nothing attached", p -> () -> { }),
                new Variant("floor_sys_enter + floor_sys_exit (test the process, count)", p ->
                        new KernelHooksHolder.Floor(p, List.of("floor_sys_enter", "floor_sys_exit"))),
                new Variant("syscalls probe, the agent's settings", p -> syscalls(p, false, false)),
                new Variant("syscalls and io probes, the agent's settings (io on the syscalls probe's hooks)",
                        p -> syscalls(p, true, true)),
                new Variant("syscalls and io probes, each on hooks of its own", p -> syscalls(p, true, false)));

        Workload switches = () -> {
            long[] wall = new long[2];
            long n = PingPong.run(roundTrips, (me, tid) -> { }, () -> wall[0] = System.nanoTime(),
                    () -> wall[1] = System.nanoTime());
            return (double) (wall[1] - wall[0]) / n;
        };
        Workload getpid = () -> nsPerCall(calls, GETPID, 0, 0, 0);
        // a 1-byte write to /dev/null: a call the io probe times (getpid it only filters out)
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofAuto();
        int devNull = (int) Native.syscall(SyscallNumbers.OPENAT, -100 /* AT_FDCWD */,
                arena.allocateFrom("/dev/null").address(), 1 /* O_WRONLY */, 0, 0);
        if (devNull < 0) {
            throw new IllegalStateException("open /dev/null: errno " + -devNull);
        }
        long oneByte = arena.allocate(1).address();
        Workload write = () -> nsPerCall(calls, SyscallNumbers.WRITE, devNull, oneByte, 1);
        // warm-up: the workloads' JIT and the probes' first loads
        for (Variant v : switchVariants) {
            measure(v, pid, switches);
        }
        for (Variant v : syscallVariants) {
            measure(v, pid, getpid);
            measure(v, pid, write);
        }
        Map<String, List<Double>> perSwitch = run("context switch", switchVariants, pid, switches, rounds);
        Map<String, List<Double>> perCall = run("getpid call", syscallVariants, pid, getpid, rounds);
        Map<String, List<Double>> perWrite = run("write call", syscallVariants, pid, write, rounds);
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.println();
        report("context switch (two threads on one CPU handing a turn to each other)", perSwitch);
        report("getpid system call", perCall);
        report("1-byte write to /dev/null", perWrite);
        System.out.printf(Locale.ROOT, "load average %s before, %s after%n", load0, load1);
    }

    /** Wall ns per call of system call {@code nr}, made {@code calls} times in a row. */
    private static double nsPerCall(int calls, long nr, long a1, long a2, long a3) {
        long x = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            x += Native.syscall(nr, a1, a2, a3, 0, 0);
        }
        long t1 = System.nanoTime();
        sink = x;
        return (double) (t1 - t0) / calls;
    }

    private static Map<String, List<Double>> run(String what, List<Variant> variants, int pid, Workload w, int rounds)
            throws Exception {
        Map<String, List<Double>> out = new LinkedHashMap<>();
        for (Variant v : variants) {
            out.put(v.name(), new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder("round " + (r + 1) + ", ns per " + what + ":");
            for (int k = 0; k < variants.size(); k++) {
                Variant v = variants.get((k + r) % variants.size());
                double ns = measure(v, pid, w);
                out.get(v.name()).add(ns);
                line.append(String.format(Locale.ROOT, " [%s] %.1f", v.name(), ns));
            }
            System.out.println(line);
        }
        return out;
    }

    private static double measure(Variant v, int pid, Workload w) throws Exception {
        try (AutoCloseable attached = v.attach().attach(pid)) {
            return w.run();
        }
    }

    private static void report(String what, Map<String, List<Double>> samples) {
        List<Double> base = samples.values().iterator().next();
        System.out.printf(Locale.ROOT, "ns per %s: median over the rounds, and the median of each round's difference to"
                + " nothing attached [interquartile range]%n%n| variant | ns | added ns |%n|---|---|---|%n", what);
        for (Map.Entry<String, List<Double>> e : samples.entrySet()) {
            List<Double> l = e.getValue();
            double[] diff = new double[l.size()];
            for (int i = 0; i < l.size(); i++) {
                diff[i] = l.get(i) - base.get(i);
            }
            double[] sorted = diff.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "| %s | %.1f | %+.1f [%+.1f..%+.1f] |%n", e.getKey(),
                    quantile(l.stream().mapToDouble(Double::doubleValue).sorted().toArray(), 0.5),
                    quantile(sorted, 0.5), quantile(sorted, 0.25), quantile(sorted, 0.75));
        }
        System.out.println();
    }

    private static AutoCloseable sched(int pid) {
        SharedMaps shared = SharedMaps.create();
        try {
            SchedProbe sched = SchedProbe.start(SchedProbe.Config.defaults().withTargetTgid(pid).withEventsNeedSpan(true),
                    shared);
            return () -> {
                sched.close();
                shared.close();
            };
        } catch (RuntimeException e) {
            shared.close();
            throw e;
        }
    }

    /**
     * As {@link KernelHooksHolder} attaches them with every probe on; {@code chained}: the io
     * probe's system-call programs run from the syscalls probe's, as the agent runs them.
     */
    private static AutoCloseable syscalls(int pid, boolean withIo, boolean chained) {
        SharedMaps shared = SharedMaps.create();
        SyscallsProbe syscalls = null;
        try {
            IoProbe.Config i = IoProbe.Config.defaults();
            SyscallsProbe.Config c = SyscallsProbe.Config.defaults();
            IoProbe.Config ioConfig = new IoProbe.Config(pid, i.slowIoNs(), i.slowIoTypes(), i.fsyncThresholdNs(),
                    i.openEventsPerSec(), i.histograms());
            SyscallsProbe s = SyscallsProbe.start(new SyscallsProbe.Config(pid, c.slowSyscallNs(), c.histograms(),
                    c.slowExclude(), withIo ? ioConfig.slowIoNs() : 0, withIo ? ioConfig.fsyncThresholdNs() : 0),
                    shared);
            syscalls = s;
            IoProbe io = !withIo ? null : chained ? IoProbe.start(ioConfig, shared, s) : IoProbe.start(ioConfig, shared);
            return () -> {
                if (io != null) {
                    io.close();
                }
                s.close();
                shared.close();
            };
        } catch (RuntimeException e) {
            if (syscalls != null) {
                syscalls.close();
            }
            shared.close();
            throw e;
        }
    }

    /**
     * libbpf-tools {@code runqlat} running (its hooks: {@code sched_switch}, {@code sched_wakeup}
     * and {@code sched_wakeup_new}, for every task of the machine), once its programs are attached.
     */
    private static AutoCloseable runqlat() throws Exception {
        Process p = new ProcessBuilder(RUNQLAT.toString(), "3600", "1").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // three programs loaded, then a link per program (whose fdinfo names its program too)
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (programsOf(p.pid()) < 6) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("runqlat did not attach its programs");
            }
            Thread.sleep(20);
        }
        return () -> {
            p.destroy();
            p.waitFor();
        };
    }

    /** Program descriptors the process holds (the {@code prog_id} lines of its fdinfo). */
    private static int programsOf(long pid) throws Exception {
        int n = 0;
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
            for (Path fd : fds.toList()) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("prog_id:")) {
                            n++;
                        }
                    }
                } catch (java.io.IOException closed) {
                    // the descriptor went away meanwhile
                }
            }
        } catch (java.io.IOException gone) {
            return 0;
        }
        return n;
    }

    private static String allowedCpus() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "?";
    }

    /** Linear interpolation between the closest ranks of sorted {@code v}. */
    private static double quantile(double[] v, double q) {
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(v.length - 1, lo + 1);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }
}
