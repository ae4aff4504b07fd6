package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.bench.LightServiceBenchmark.Settings;
import io.ebpfagent.e2e.bench.LightServiceBenchmark.Variant;
import io.ebpfagent.e2e.bench.LightServiceBenchmark.Wrk;
import io.ebpfagent.e2e.support.JavaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the kernel side of the agent's default probes costs the light service, measured inside one
 * service JVM: the same Jetty {@code /hello} under the same {@code wrk} load, in windows with the
 * probes' programs attached to it and without, ordered off-on, on-off, ... so that a drift of the
 * machine cancels out; each pair of adjacent windows gives one ratio. Fresh JVMs per variant (the
 * light benchmark) also compare two JIT outcomes, which spread by far more than the 1% in
 * question. An agent, once in a JVM, cannot be taken out again, so the programs are held by a
 * helper process ({@code KernelHooksHolder} of the probes' benchmarks) that, told so, loads the
 * sched, net and faults objects with the agent's settings for the service's process id, reads
 * their maps as the agent's collector does, and frees them again; it runs on the load generator's
 * CPU, one JVM for the whole run. The machine's speed drifts in phases (the same service JVM
 * needed 19 and 34 µs of CPU per request minutes apart, the guest sees no steal time): short
 * windows and many pairs, and the median of the pairs' ratios, keep a pair that straddles such a
 * change from deciding the result. What this leaves out is the
 * agent's user-space work inside the service (its collector and exporter threads: 0.1% of the
 * service's CPU in the light benchmark's perf profile) and the jvm probe (USDT sites at GC, JIT and
 * safepoint events, not per request).
 *
 * <p>With {@code -Dbench.probes=all} the holder also attaches the syscalls and io probes (off by
 * default; the ones whose hooks run at system calls, so per request): the kernel side of the
 * agent with every probe on, less the jvm probe and the profiler (fixed-rate sampling).
 *
 * <p>{@code -Dbench.probes=floor-switch}, {@code floor-switch-clock} and {@code floor-syscalls}
 * attach no probe but the least a hook can be ({@code hook_floor.bpf.o} of the probes' tests): a
 * {@code sched_switch} program, or a {@code sys_enter}/{@code sys_exit} pair, that tests the
 * process and counts (with {@code -clock}: and reads CLOCK_MONOTONIC, as every timing program
 * must). What they cost is the part of a request no probe on those hooks can take back.
 *
 * <p>Run: {@code ./run bench-hooks} ({@code -Dbench.pairs}, {@code -Dbench.seconds} per window,
 * {@code -Dbench.warmup}, {@code -Dbench.settle} seconds of load after each switch, not measured,
 * {@code -Dbench.endpoint}, {@code -Dbench.probes=default|all|floor-switch|floor-switch-clock|floor-syscalls}).
 * Writes its section of docs/benchmarks.md, one per probe set.
 */
public final class KernelHooksLiveBenchmark {
    private static final String MARKER = "<!-- hooks-live-benchmark -->";
    private static final String MARKER_ALL = "<!-- hooks-live-benchmark-all -->";
    private static final List<String> PROBE_SETS = List.of("default", "all", "floor-switch", "floor-switch-clock",
            "floor-syscalls");

    private record Window(int pair, boolean on, double rps, double cpuUsPerRequest, double p99Ms) {
    }

    private KernelHooksLiveBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = JavaProcess.repoRoot();
        Path cpFile = root.resolve("e2e/target/test-classpath.txt");
        Path holderCpFile = root.resolve("probes/target/probe-bench-classpath.txt");
        for (Path p : List.of(cpFile, holderCpFile)) {
            if (!Files.exists(p)) {
                throw new IllegalStateException("build first: ./run bench-hooks (missing " + p + ")");
            }
        }
        if (!Files.isExecutable(Path.of("/usr/bin/wrk"))) {
            throw new IllegalStateException("wrk is missing: apt-get install wrk");
        }
        int pairs = Integer.getInteger("bench.pairs", 24);
        int seconds = Integer.getInteger("bench.seconds", 6);
        int warmup = Integer.getInteger("bench.warmup", 40);
        int settle = Integer.getInteger("bench.settle", 2);
        int connections = Integer.getInteger("bench.connections", 8);
        String endpoint = System.getProperty("bench.endpoint", "/hello");
        String probes = System.getProperty("bench.probes", "default");
        ProbeSet set = ProbeSet.of(probes);
        int cpus = Runtime.getRuntime().availableProcessors();
        boolean pin = cpus >= 2 && Files.isExecutable(Path.of("/usr/bin/taskset"));
        String last = String.valueOf(cpus - 1);
        Path files = Files.isDirectory(Path.of("/dev/shm")) ? Files.createTempDirectory(Path.of("/dev/shm"), "hooks-")
                : Files.createTempDirectory("hooks-");
        Settings s = new Settings(seconds, warmup, 0, 1, connections, connections, List.of(), 0,
                pin ? List.of("/usr/bin/taskset", "-c", last) : List.of(),
                pin ? List.of("/usr/bin/taskset", "-c", "0") : List.of(),
                pin ? "service on CPU " + last + ", wrk and the probes' holder on CPU 0 (taskset)" : "no CPU pinning",
                root.resolve("e2e/target/test-classes") + ":" + Files.readString(cpFile).strip(), files);
        String holderClasspath = root.resolve("probes/target/test-classes") + ":" + root.resolve("probes/target/classes")
                + ":" + Files.readString(holderCpFile).strip();
        String load0 = Files.readString(Path.of("/proc/loadavg")).strip();
        System.out.println("hooks live bench: " + s.placement() + "; load average " + load0);

        List<Window> windows = new ArrayList<>();
        try (JavaProcess service = LightServiceBenchmark.startService(new Variant("baseline (no agent)", List.of()), s,
                List.of());
             Holder holder = Holder.start(s, holderClasspath, service.pid(), probes)) {
            String url = "http://127.0.0.1:" + LightServiceBenchmark.port(service) + endpoint;
            // the holder's own JIT warms up with the service: its first attachments are slow
            holder.command("on", "attached");
            holder.command("off", "detached");
            LightServiceBenchmark.wrk(s, url, connections, warmup);
            for (int pair = 0; pair < pairs; pair++) {
                boolean[] order = pair % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false};
                for (boolean on : order) {
                    holder.command(on ? "on" : "off", on ? "attached" : "detached");
                    LightServiceBenchmark.wrk(s, url, connections, settle);
                    long before = OverheadBenchmark.cpuTicks(service.pid());
                    Wrk w = LightServiceBenchmark.wrk(s, url, connections, seconds);
                    long after = OverheadBenchmark.cpuTicks(service.pid());
                    Window win = new Window(pair, on, w.rps(), (after - before) * 1e4 / w.requests(), w.p99Ms());
                    windows.add(win);
                    System.out.printf(Locale.ROOT, "pair %d hooks %-3s %.0f req/s, %.2f us CPU/req, p99 %.2f ms%n", pair,
                            on ? "on" : "off", win.rps(), win.cpuUsPerRequest(), win.p99Ms());
                }
            }
            holder.command("off", "detached");
        }
        OverheadBenchmark.deleteQuietly(files);
        String load1 = Files.readString(Path.of("/proc/loadavg")).strip();
        String report = report(windows, s, endpoint, pairs, settle, load0, load1, probes, set);
        System.out.println(report);
        BenchmarksDoc.writeSection(root, set.marker(), report);
    }

    /** The probes' holder process, driven line by line over its standard input. */
    private record Holder(Process process, java.io.BufferedReader out, java.io.Writer in) implements AutoCloseable {
        static Holder start(Settings s, String classpath, long pid, String probes) throws IOException {
            List<String> command = new ArrayList<>(s.load());
            command.addAll(List.of(JavaProcess.javaBinary().toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                    classpath, "io.ebpfagent.probes.bench.KernelHooksHolder", Long.toString(pid), probes));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            return new Holder(p, new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())),
                    new java.io.OutputStreamWriter(p.getOutputStream()));
        }

        /** Sends {@code command} and waits (generously) for the line that says it is done. */
        void command(String command, String done) throws IOException {
            in.write(command + "\n");
            in.flush();
            StringBuilder seen = new StringBuilder();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            String line;
            while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
                if (line.equals(done)) {
                    return;
                }
                seen.append(line).append('\n');
            }
            throw new IllegalStateException("the probes' holder did not answer " + command + ":\n" + seen);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            in.close();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** A probe set: its section's title, what the holder attaches, and the section's marker. */
    private record ProbeSet(String title, String attached, String marker) {
        static ProbeSet of(String name) {
            String floorMarker = "<!-- hooks-live-benchmark-" + name + " -->";
            return switch (name) {
                case "default" -> new ProbeSet("the default probes", "the default probes", MARKER);
                case "all" -> new ProbeSet("every per-request probe",
                        "every probe but jvm and profile (sched, net, faults, syscalls, io)", MARKER_ALL);
                case "floor-switch" -> new ProbeSet("a `sched_switch` hook that only tests the process",
                        "`floor_switch` of `hook_floor.bpf.o` (tests the process of both tasks, counts the service's)",
                        floorMarker);
                case "floor-switch-clock" -> new ProbeSet("a `sched_switch` hook that tests the process and reads the clock",
                        "`floor_switch_clock` of `hook_floor.bpf.o` (tests the process of both tasks; for the service's, "
                                + "counts and reads CLOCK_MONOTONIC)", floorMarker);
                case "floor-syscalls" -> new ProbeSet("a system-call hook pair that only tests the process",
                        "`floor_sys_enter` and `floor_sys_exit` of `hook_floor.bpf.o` (test the calling process, count "
                                + "the service's calls)", floorMarker);
                default -> throw new IllegalArgumentException("bench.probes must be one of " + PROBE_SETS + ", not " + name);
            };
        }
    }

    private static String report(List<Window> windows, Settings s, String endpoint, int pairs, int settle, String load0,
                                 String load1, String probes, ProbeSet set) {
        double[] tp = new double[pairs];
        double[] cpu = new double[pairs];
        for (int pair = 0; pair < pairs; pair++) {
            Window on = find(windows, pair, true);
            Window off = find(windows, pair, false);
            tp[pair] = on.rps() / off.rps();
            cpu[pair] = on.cpuUsPerRequest() / off.cpuUsPerRequest();
        }
        StringBuilder b = new StringBuilder();
        String which = set.attached();
        b.append(String.format(Locale.ROOT, "## Kernel hooks of %s on the light service, in one JVM (%s)%n%n",
                set.title(), java.time.LocalDate.now()));
        b.append(String.format(Locale.ROOT, "`./run bench-hooks%s`: `%s` of the light service (no agent in it), %d pairs of"
                        + " %d s windows with the programs of %s attached to it (held by `KernelHooksHolder`,"
                        + " one process switched on and off) and without, alternately ordered, %d s of load after each"
                        + " switch not measured; %s; wrk `-t1 -c%d`. Load average %s before, %s after. A ratio per pair"
                        + " of adjacent windows, on / off.%n%n",
                probes.equals("default") ? "" : " -Dbench.probes=" + probes, endpoint, pairs, s.seconds(), which, settle, s.placement(),
                s.helloConnections(), load0, load1));
        b.append(String.format(Locale.ROOT, "| hooks on / off | median [interquartile range] | mean [95%% interval of the"
                + " mean] | min .. max |%n|---|---|---|---|%n"));
        b.append(String.format(Locale.ROOT, "| throughput | %s | %s | %.4f .. %.4f |%n", medianIqr(tp), BreakdownLiveBenchmark.meanInterval(tp),
                Arrays.stream(tp).min().orElse(0), Arrays.stream(tp).max().orElse(0)));
        b.append(String.format(Locale.ROOT, "| service CPU per request | %s | %s | %.4f .. %.4f |%n%n", medianIqr(cpu),
                BreakdownLiveBenchmark.meanInterval(cpu), Arrays.stream(cpu).min().orElse(0), Arrays.stream(cpu).max().orElse(0)));
        b.append("Windows (req/s, µs of service CPU per request):\n\n");
        for (int pair = 0; pair < pairs; pair++) {
            Window on = find(windows, pair, true);
            Window off = find(windows, pair, false);
            b.append(String.format(Locale.ROOT, "- pair %d: off %.0f / %.2f, on %.0f / %.2f%n", pair, off.rps(),
                    off.cpuUsPerRequest(), on.rps(), on.cpuUsPerRequest()));
        }
        b.append('\n');
        return b.toString();
    }

    private static Window find(List<Window> windows, int pair, boolean on) {
        return windows.stream().filter(w -> w.pair() == pair && w.on() == on).findFirst().orElseThrow();
    }

    private static String medianIqr(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return String.format(Locale.ROOT, "%.4f [%.4f..%.4f]", quantile(v, 0.5), quantile(v, 0.25), quantile(v, 0.75));
    }

    /** Linear interpolation between the closest ranks of sorted {@code v}. */
    private static double quantile(double[] v, double q) {
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(v.length - 1, lo + 1);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }
}
