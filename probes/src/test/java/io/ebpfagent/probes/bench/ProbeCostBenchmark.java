package io.ebpfagent.probes.bench;

import io.ebpfagent.loader.programs.Program;
import io.ebpfagent.loader.programs.ProgramInfo;
import io.ebpfagent.loader.programs.Stats;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import io.ebpfagent.probes.FaultsProbe;
import io.ebpfagent.probes.IoProbe;
import io.ebpfagent.probes.JvmProbe;
import io.ebpfagent.probes.NetProbe;
import io.ebpfagent.probes.Probe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.ebpfagent.probes.SyscallsProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * What the probes cost: a fixed in-process workload (context switches by a park/unpark ping-pong,
 * getpid syscalls through FFM, 4 KiB pwrite/pread on a regular file) run without anything
 * attached, with probes of this module attached to this JVM, and with libbpf-tools' runqlat and
 * offcputime tracing this JVM, phases interleaved and rotated in every round. With
 * {@code BPF_ENABLE_STATS} on throughout, it also reads every attached program's run time and
 * run count. Writes the "Probe costs" block of docs/benchmarks.md.
 *
 * <p>Run with {@code ./run bench-probes} (root; options {@code --rounds=N --reps=N --switches=N
 * --syscalls=N --io=N --no-tools --no-write}).
 */
public final class ProbeCostBenchmark {
    private static final String MARKER = "<!-- probe-costs -->";
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /** One timed part of the workload: elapsed wall time, CPU time of its threads, operations. */
    record Sample(long wallNs, long cpuNs, long ops) {
        double wallPerOp() {
            return (double) wallNs / ops;
        }

        double cpuPerOp() {
            return (double) cpuNs / ops;
        }
    }

    /** The three parts of one workload run. */
    record Run(Sample switches, Sample syscalls, Sample io) {
        Sample part(int i) {
            return switch (i) {
                case 0 -> switches;
                case 1 -> syscalls;
                default -> io;
            };
        }
    }

    /** What is attached during a phase; closing detaches it. */
    interface Attached extends AutoCloseable {
        /** Kernel statistics of every attached program, by "owner/program". */
        Map<String, ProgramInfo> programInfos();

        @Override
        void close();
    }

    record Phase(String name, String description, Supplier<Attached> attach) {
    }

    /** Per program totals over every round: run time and run count deltas. */
    static final class ProgCost {
        long runTimeNs;
        long runCount;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "5"));
        int reps = Integer.parseInt(opts.getOrDefault("reps", "3"));
        int roundTrips = Integer.parseInt(opts.getOrDefault("switches", "10000"));
        int syscalls = Integer.parseInt(opts.getOrDefault("syscalls", "100000"));
        int ioOps = Integer.parseInt(opts.getOrDefault("io", "5000"));
        boolean tools = !opts.containsKey("no-tools");
        boolean write = !opts.containsKey("no-write");
        int pid = Probe.currentPid();

        List<Phase> phases = new ArrayList<>();
        phases.add(new Phase("none", "nothing attached", () -> probes()));
        phases.add(new Phase("sched", "SchedProbe", () -> probes(
                s -> SchedProbe.start(SchedProbe.Config.defaults(), s))));
        phases.add(new Phase("io", "IoProbe", () -> probes(s -> IoProbe.start(IoProbe.Config.defaults(), s))));
        phases.add(new Phase("syscalls", "SyscallsProbe (not on by default)", () -> probes(
                s -> SyscallsProbe.start(SyscallsProbe.Config.defaults(), s))));
        phases.add(new Phase("defaults", "the agent's default probes: sched, jvm, io, net, faults", () -> probes(
                s -> SchedProbe.start(SchedProbe.Config.defaults(), s),
                s -> JvmProbe.start(JvmProbe.Config.defaults(), s),
                s -> IoProbe.start(IoProbe.Config.defaults(), s),
                s -> NetProbe.start(NetProbe.Config.defaults(), s),
                s -> FaultsProbe.start(FaultsProbe.Config.defaults(), s))));
        List<String> skipped = new ArrayList<>();
        if (tools) {
            for (String tool : List.of("runqlat", "offcputime")) {
                Path bin = ExternalTool.find(tool);
                if (bin == null) {
                    skipped.add(tool + " (not installed: apt-get install libbpf-tools)");
                    continue;
                }
                List<String> cmd = tool.equals("runqlat")
                        ? List.of(bin.toString(), "-p", Integer.toString(pid), "3600", "1")
                        : List.of(bin.toString(), "-p", Integer.toString(pid), "3600");
                phases.add(new Phase(tool, "libbpf-tools " + String.join(" ", cmd), () -> ExternalTool.start(tool, cmd)));
            }
        }

        Path file = Files.createTempFile("probe-costs", ".bin");
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        Map<String, Map<String, ProgCost>> progCosts = new LinkedHashMap<>();
        for (Phase p : phases) {
            runs.put(p.name(), new ArrayList<>());
            progCosts.put(p.name(), new TreeMap<>());
        }
        double[] load = new double[] {Double.MAX_VALUE, 0};
        try (Stats stats = Stats.enable(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            System.out.printf("warm-up (JIT), then %d rounds of %d phases%n", rounds, phases.size());
            workload(roundTrips, syscalls, ioOps, ch);
            workload(roundTrips, syscalls, ioOps, ch);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < phases.size(); i++) {
                    // rotated: every phase takes every position over the rounds
                    Phase p = phases.get((i + r) % phases.size());
                    double la = loadAverage();
                    load[0] = Math.min(load[0], la);
                    load[1] = Math.max(load[1], la);
                    try (Attached a = p.attach().get()) {
                        Map<String, ProgramInfo> before = a.programInfos();
                        Run run = workload(roundTrips, syscalls, ioOps, ch);
                        for (int k = 1; k < reps; k++) {
                            run = fastest(run, workload(roundTrips, syscalls, ioOps, ch));
                        }
                        Map<String, ProgramInfo> after = a.programInfos();
                        runs.get(p.name()).add(run);
                        after.forEach((prog, info) -> {
                            ProgramInfo b = before.get(prog);
                            ProgCost c = progCosts.get(p.name()).computeIfAbsent(prog, k -> new ProgCost());
                            c.runTimeNs += info.runTimeNs() - (b == null ? 0 : b.runTimeNs());
                            c.runCount += info.runCount() - (b == null ? 0 : b.runCount());
                        });
                        System.out.printf("round %d %-10s switch %7.0f ns  getpid %5.0f ns  io %6.0f ns%n", r + 1,
                                p.name(), run.switches().wallPerOp(), run.syscalls().wallPerOp(), run.io().wallPerOp());
                    }
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }

        String block = report(phases, runs, progCosts, rounds, reps, roundTrips, syscalls, ioOps, load, skipped);
        System.out.println();
        System.out.println(block);
        if (write) {
            Path doc = Path.of("docs/benchmarks.md");
            writeBlock(doc, block);
            System.out.println("wrote " + doc.toAbsolutePath());
        }
    }

    // ------------------------------------------------------------------ workload

    /**
     * Part by part, the repetition with the lower wall time per operation: other work on the
     * machine only ever adds time, so the minimum of a few is the least disturbed.
     */
    static Run fastest(Run a, Run b) {
        Sample[] best = new Sample[3];
        for (int i = 0; i < 3; i++) {
            best[i] = a.part(i).wallPerOp() <= b.part(i).wallPerOp() ? a.part(i) : b.part(i);
        }
        return new Run(best[0], best[1], best[2]);
    }

    static Run workload(int roundTrips, int syscalls, int ioOps, FileChannel ch) throws Exception {
        return new Run(pingPong(roundTrips), getpids(syscalls), fileIo(ioOps, ch));
    }

    /**
     * Two threads hand a turn to each other with park/unpark: every hand-off blocks one thread,
     * so each round trip is at least two voluntary context switches. The switches counted are the
     * kernel's own counts of both threads (/proc/thread-self/status).
     */
    static Sample pingPong(int roundTrips) throws Exception {
        var turn = new java.util.concurrent.atomic.AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(3);
        long[] cpu = new long[2];
        long[] switches = new long[2];
        Thread[] threads = new Thread[2];
        threads[1] = Thread.ofPlatform().name("bench-pong").unstarted(() -> {
            long s0 = contextSwitches();
            long c0 = MX.getCurrentThreadCpuTime();
            await(start);
            for (int i = 0; i < roundTrips; i++) {
                while (turn.get() != 1) {
                    LockSupport.park();
                }
                turn.set(0);
                LockSupport.unpark(threads[0]);
            }
            cpu[1] = MX.getCurrentThreadCpuTime() - c0;
            switches[1] = contextSwitches() - s0;
        });
        threads[0] = Thread.ofPlatform().name("bench-ping").unstarted(() -> {
            long s0 = contextSwitches();
            long c0 = MX.getCurrentThreadCpuTime();
            await(start);
            for (int i = 0; i < roundTrips; i++) {
                turn.set(1);
                LockSupport.unpark(threads[1]);
                while (turn.get() != 0) {
                    LockSupport.park();
                }
            }
            cpu[0] = MX.getCurrentThreadCpuTime() - c0;
            switches[0] = contextSwitches() - s0;
        });
        threads[0].start();
        threads[1].start();
        await(start);
        long t0 = System.nanoTime();
        threads[0].join();
        threads[1].join();
        long wall = System.nanoTime() - t0;
        return new Sample(wall, cpu[0] + cpu[1], Math.max(1, switches[0] + switches[1]));
    }

    static Sample getpids(int n) {
        long c0 = MX.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0);
        }
        long wall = System.nanoTime() - t0;
        long cpu = MX.getCurrentThreadCpuTime() - c0;
        if (sum != (long) n * ProcessHandle.current().pid()) {
            throw new IllegalStateException("getpid returned something else");
        }
        return new Sample(wall, cpu, n);
    }

    /** {@code n} pwrite64 then {@code n} pread64 of 4 KiB at offset 0 of a regular file. */
    static Sample fileIo(int n, FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        long c0 = MX.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            buf.clear();
            ch.write(buf, 0);
        }
        for (int i = 0; i < n; i++) {
            buf.clear();
            ch.read(buf, 0);
        }
        long wall = System.nanoTime() - t0;
        return new Sample(wall, MX.getCurrentThreadCpuTime() - c0, 2L * n);
    }

    private static long contextSwitches() {
        try {
            long n = 0;
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                    n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    // ------------------------------------------------------------------ what is attached

    @FunctionalInterface
    interface ProbeStarter {
        Probe start(SharedMaps shared);
    }

    static Attached probes(ProbeStarter... starters) {
        SharedMaps shared = SharedMaps.create();
        List<Probe> started = new ArrayList<>();
        try {
            for (ProbeStarter s : starters) {
                started.add(s.start(shared));
            }
        } catch (RuntimeException e) {
            started.forEach(Probe::close);
            shared.close();
            throw e;
        }
        return new Attached() {
            @Override
            public Map<String, ProgramInfo> programInfos() {
                Map<String, ProgramInfo> m = new LinkedHashMap<>();
                for (Probe p : started) {
                    p.programs().forEach((name, prog) -> m.put(p.name() + "/" + name, prog.info()));
                }
                return m;
            }

            @Override
            public void close() {
                for (int i = started.size() - 1; i >= 0; i--) {
                    started.get(i).close();
                }
                shared.close();
            }
        };
    }

    /** A libbpf-tools process tracing this JVM; its programs are found through its descriptors. */
    static final class ExternalTool implements Attached {
        private final String name;
        private final Process process;
        private final Map<Integer, Program> programs = new TreeMap<>();

        private ExternalTool(String name, Process process) {
            this.name = name;
            this.process = process;
        }

        static Path find(String tool) {
            for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
                for (String n : List.of(tool, "libbpf-tools-" + tool, "bpf-" + tool)) {
                    Path p = Path.of(dir, n);
                    if (Files.isExecutable(p)) {
                        return p;
                    }
                }
            }
            return null;
        }

        static ExternalTool start(String name, List<String> cmd) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                ExternalTool t = new ExternalTool(name, p);
                t.awaitAttached();
                return t;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The tool is tracing once its program descriptors exist and its descriptor table stops
         * changing (programs first, links after them).
         */
        private void awaitAttached() {
            long deadline = System.nanoTime() + 10_000_000_000L;
            List<String> last = List.of();
            int stable = 0;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue());
                }
                List<String> now = descriptors();
                boolean hasProg = now.stream().anyMatch(s -> s.contains("bpf-prog"));
                boolean hasLink = now.stream().anyMatch(s -> s.contains("bpf_link") || s.contains("perf_event"));
                stable = now.equals(last) && hasProg && hasLink ? stable + 1 : 0;
                last = now;
                if (stable >= 5) {
                    for (int id : programIds()) {
                        programs.put(id, Program.fromId(id));
                    }
                    return;
                }
                sleep(50);
            }
            close();
            throw new IllegalStateException(name + " did not attach within 10 s");
        }

        private List<String> descriptors() {
            return ProcessPrograms.descriptors(process.pid());
        }

        private List<Integer> programIds() {
            return ProcessPrograms.programIds(process.pid());
        }

        @Override
        public Map<String, ProgramInfo> programInfos() {
            Map<String, ProgramInfo> m = new LinkedHashMap<>();
            for (Program p : programs.values()) {
                m.put(name + "/" + p.name(), p.info());
            }
            return m;
        }

        @Override
        public void close() {
            programs.values().forEach(Program::close);
            process.destroy();
            try {
                if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ report

    static String report(List<Phase> phases, Map<String, List<Run>> runs, Map<String, Map<String, ProgCost>> progCosts,
                         int rounds, int reps, int roundTrips, int syscalls, int ioOps, double[] load, List<String> skipped) {
        StringBuilder sb = new StringBuilder();
        sb.append(MARKER).append('\n');
        sb.append("## Probe costs\n\n");
        sb.append(String.format(Locale.ROOT, "Command: `./run bench-probes` (this run, %s: %d rounds, each running "
                        + "every phase once, order rotated per round; load average %.1f to %.1f on 2 vCPUs). "
                        + "Workload, run %d times per phase (the fastest repetition of each part counts): %d park/unpark round trips between two threads, %d `getpid` "
                        + "through FFM, %d 4 KiB `pwrite` + %d `pread` on a regular file. `BPF_ENABLE_STATS` on "
                        + "throughout.%n%n", LocalDate.now(), rounds, load[0], load[1], reps, roundTrips, syscalls, ioOps,
                ioOps));
        sb.append("Workload time per operation: median over the rounds of wall (CPU of the workload threads) ns; "
                + "Δ = the phase minus `none` of the same round, median [min..max] over rounds.\n\n");
        sb.append("| phase | attached | ns per context switch | Δ switch | ns per getpid | Δ getpid | ns per 4 KiB I/O call | Δ I/O |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        List<Run> base = runs.get("none");
        for (Phase p : phases) {
            List<Run> rs = runs.get(p.name());
            sb.append("| ").append(p.name()).append(" | ").append(p.description());
            for (int part = 0; part < 3; part++) {
                int pp = part;
                double wall = median(rs.stream().mapToDouble(r -> r.part(pp).wallPerOp()).toArray());
                double cpu = median(rs.stream().mapToDouble(r -> r.part(pp).cpuPerOp()).toArray());
                sb.append(String.format(Locale.ROOT, " | %.0f (%.0f)", wall, cpu));
                if (p.name().equals("none")) {
                    sb.append(" | –");
                } else {
                    double[] d = new double[rs.size()];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = rs.get(i).part(pp).wallPerOp() - base.get(i).part(pp).wallPerOp();
                    }
                    sb.append(String.format(Locale.ROOT, " | %+.0f [%+.0f..%+.0f]", median(d),
                            Arrays.stream(d).min().orElse(0), Arrays.stream(d).max().orElse(0)));
                }
            }
            sb.append(" |\n");
        }
        double switchesPerRound = median(base.stream().mapToDouble(r -> r.switches().ops()).toArray());
        sb.append(String.format(Locale.ROOT, "%nContext switches of the two workload threads per phase: %.0f "
                + "(kernel counters, %.2f per round trip).%n%n", switchesPerRound, switchesPerRound / roundTrips));
        sb.append("Programs attached during each phase (kernel `run_time_ns`/`run_cnt` deltas over the workload "
                + "repetitions, summed over the rounds; they run for the whole machine, not only for this JVM):\n\n");
        sb.append("| phase | program | runs per round | ns per run | µs per round |\n");
        sb.append("|---|---|---|---|---|\n");
        List<String> idle = new ArrayList<>();
        for (Phase p : phases) {
            for (var e : progCosts.get(p.name()).entrySet()) {
                ProgCost c = e.getValue();
                if (c.runCount == 0) {
                    if (p.name().equals("defaults")) {
                        idle.add(e.getKey());
                    }
                    continue;
                }
                double perRound = (double) c.runCount / rounds;
                sb.append(String.format(Locale.ROOT, "| %s | %s | " + (perRound < 10 ? "%.1f" : "%.0f")
                                + " | %.0f | %.0f |%n", p.name(), e.getKey(), perRound,
                        (double) c.runTimeNs / c.runCount, c.runTimeNs / 1e3 / rounds));
            }
        }
        sb.append("\nBPF time per workload operation, from the table above (an upper bound: the programs also ran "
                + "for other threads of the machine meanwhile): the run time of the scheduler hooks (`sched_*`) per "
                + "context switch of the workload, of the raw syscall hooks (`sys_enter`/`sys_exit`) per "
                + "workload syscall (getpid + I/O calls), of the I/O hooks (`*_pread64`, `*_pwrite64`) per "
                + "I/O call.\n\n");
        sb.append("| phase | BPF µs per round, all programs | scheduler hooks, ns per switch "
                + "| syscall hooks, ns per syscall | I/O hooks, ns per I/O call |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Phase p : phases) {
            if (progCosts.get(p.name()).isEmpty()) {
                continue;
            }
            long all = 0, sched = 0, sys = 0, io = 0;
            for (var e : progCosts.get(p.name()).entrySet()) {
                String prog = e.getKey().substring(e.getKey().indexOf('/') + 1);
                all += e.getValue().runTimeNs;
                if (prog.contains("sched_")) {
                    sched += e.getValue().runTimeNs;
                } else if (prog.contains("sys_")) {
                    sys += e.getValue().runTimeNs;
                } else if (prog.endsWith("_pread64") || prog.endsWith("_pwrite64")) {
                    io += e.getValue().runTimeNs;
                }
            }
            List<Run> rs = runs.get(p.name());
            double switches = (double) reps * rs.stream().mapToLong(r -> r.switches().ops()).sum();
            double calls = (double) reps * rs.stream().mapToLong(r -> r.syscalls().ops() + r.io().ops()).sum();
            double ioCalls = (double) reps * rs.stream().mapToLong(r -> r.io().ops()).sum();
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s | %s |%n", p.name(), all / 1e3 / rounds,
                    perOp(sched, switches), perOp(sys, calls), perOp(io, ioCalls)));
        }
        if (!idle.isEmpty()) {
            sb.append("\nAttached in `defaults` but not run by this workload: ").append(String.join(", ", idle))
                    .append(".\n");
        }
        if (!skipped.isEmpty()) {
            sb.append("\nSkipped: ").append(String.join(", ", skipped)).append('\n');
        }
        sb.append(MARKER).append('\n');
        return sb.toString();
    }

    private static String perOp(long ns, double ops) {
        return ns == 0 ? "–" : String.format(Locale.ROOT, "%.0f", ns / ops);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Replaces the marked block, or appends it when the document has none. */
    static void writeBlock(Path doc, String block) throws IOException {
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n";
        int a = text.indexOf(MARKER);
        int b = a < 0 ? -1 : text.indexOf(MARKER, a + MARKER.length());
        if (a >= 0 && b > a) {
            int end = b + MARKER.length();
            if (end < text.length() && text.charAt(end) == '\n') {
                end++;
            }
            text = text.substring(0, a) + block + text.substring(end);
        } else {
            text = text.stripTrailing() + "\n\n" + block;
        }
        Files.writeString(doc, text);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unknown argument " + a);
            }
            int eq = a.indexOf('=');
            m.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "" : a.substring(eq + 1));
        }
        return m;
    }

    private ProbeCostBenchmark() {
    }
}
