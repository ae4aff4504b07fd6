package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.support.JavaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The overhead benchmark (a program, not a test): the demo service under the same closed-loop
 * load without the agent, with the agent's default probes and with every probe, in one run,
 * reported as ratios against the baseline of the same round; plus time-to-main, RSS and CPU.
 * Run with {@code ./run bench}; writes docs/benchmarks.md.
 *
 * <p>Method, and why:
 * <ul>
 * <li>The service and the load generator run on disjoint CPUs (taskset), as they would on two
 * hosts: the service's throughput then measures the service, not how the scheduler splits two
 * CPUs between it and the generator. The agent's kernel work on other processes (its hooks run
 * machine-wide before they filter on the JVM's pid) shows in the machine CPU column instead.
 * <li>Throughput is measured after a long warm-up: on one CPU the JIT needs well over a minute
 * before the service is compiled, and the agent's own code adds to that. The warm-up throughput
 * is reported separately, because it is a real cost too, but a different one.
 * <li>The CPU endpoint burns a fixed number of SHA-256 rounds ({@code /cpu?rounds=}), not a wall
 * time: a wall-time burn does less work when the CPU is contended and hides any overhead.
 * <li>Files go to a tmpfs when there is one, so that the disk's fsync latency does not dominate
 * the variance; the same system calls are still made.
 * </ul>
 */
public final class OverheadBenchmark {
    private static final Pattern RESULT = Pattern.compile(
            "RESULT endpoint=ALL count=(\\d+) errors=(\\d+) rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+)");
    static final String DEFAULT_MIX =
            "/cpu?rounds=2000:3,/sleep?ms=5:3,/file?kb=16:2,/downstream?n=2:2,/alloc?mb=1:1";

    record Variant(String name, List<String> jvmArgs) {
    }

    record Load(long count, double rps, double p50, double p99) {
    }

    /** One service run: its warm-up load, its measured load and what the service and machine used. */
    record Measurement(String variant, Load warmup, Load steady, long rssKb, double serviceCpuSeconds,
                       double machineCpuSeconds, double timeToMainMs) {
        double serviceCpuMicrosPerRequest() {
            return serviceCpuSeconds * 1e6 / steady.count();
        }

        double machineCpuMicrosPerRequest() {
            return machineCpuSeconds * 1e6 / steady.count();
        }
    }

    /** How the run places processes on CPUs; empty lists mean "anywhere". */
    record Placement(List<String> service, List<String> load, String description) {
        static Placement of(int cpus) {
            if (cpus < 2 || !Files.isExecutable(Path.of("/usr/bin/taskset"))) {
                return new Placement(List.of(), List.of(),
                        "service and load generator share all " + cpus + " CPUs (no taskset or one CPU)");
            }
            int split = cpus / 2;
            String load = split == 1 ? "0" : "0-" + (split - 1);
            String service = split == cpus - 1 ? String.valueOf(split) : split + "-" + (cpus - 1);
            return new Placement(List.of("/usr/bin/taskset", "-c", service), List.of("/usr/bin/taskset", "-c", load),
                    "service on CPU " + service + ", load generator on CPU " + load + " (taskset)");
        }
    }

    record Settings(int seconds, int warmup, int rounds, int concurrency, String mix, Placement placement,
                            Path fileDir) {
    }

    private OverheadBenchmark() {
    }

    /** The built agent and demo-service jars, or an error saying to build them first. */
    record Jars(Path agent, Path demo) {
        static Jars require(Path root) {
            Jars jars = new Jars(root.resolve("agent/target/ebpf-agent.jar"), root.resolve("demo-apps/target/demo-apps.jar"));
            if (!Files.exists(jars.agent()) || !Files.exists(jars.demo())) {
                throw new IllegalStateException("build first: ./run build (missing " + jars.agent() + " or "
                        + jars.demo() + ")");
            }
            return jars;
        }
    }

    /** The run's settings from the {@code bench.*} properties, with these defaults where unset. */
    static Settings settings(int defaultSeconds, int defaultRounds) throws IOException {
        Path shm = Path.of("/dev/shm");
        return new Settings(
                Integer.getInteger("bench.seconds", defaultSeconds),
                Integer.getInteger("bench.warmup", 120),
                Integer.getInteger("bench.rounds", defaultRounds),
                Integer.getInteger("bench.concurrency", 8),
                System.getProperty("bench.mix", DEFAULT_MIX),
                Boolean.parseBoolean(System.getProperty("bench.pin", "true"))
                        ? Placement.of(Runtime.getRuntime().availableProcessors())
                        : new Placement(List.of(), List.of(), "no CPU pinning (-Dbench.pin=false)"),
                Files.isDirectory(shm) && Files.isWritable(shm)
                        ? Files.createTempDirectory(shm, "bench-files-")
                        : Files.createTempDirectory("bench-files-"));
    }

    public static void main(String[] args) throws Exception {
        Path root = JavaProcess.repoRoot();
        Jars jars = Jars.require(root);
        Path agentJar = jars.agent();
        Path demoJar = jars.demo();
        Settings settings = settings(30, 4);
        Path defaults = BenchAgentConfigs.defaultProbes();
        Path all = BenchAgentConfigs.allProbes();
        String agent = "-javaagent:" + agentJar;
        boolean breakdown = System.getProperty("bench.variants", "probes").equals("breakdown");
        List<Variant> variants = breakdown ? breakdownVariants(agent) : List.of(
                new Variant("baseline (no agent)", List.of()),
                new Variant("agent, default probes", List.of(agent + "=config=" + defaults)),
                new Variant("agent, all probes", List.of(agent + "=config=" + all)));
        System.out.println("bench: " + settings.placement().description() + "; files in " + settings.fileDir());

        Map<String, List<Measurement>> results = new LinkedHashMap<>();
        for (int round = 0; round < settings.rounds(); round++) {
            // Interleave the variants so drift of the machine hits all of them alike, in reverse
            // order every other round: in a fixed order the second JVM of each round was 3%
            // faster, on or off (the breakdown run of 2026-12-02).
            List<Variant> order = new ArrayList<>(variants);
            if (round % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (Variant v : order) {
                Measurement m = measure(v, demoJar, settings);
                System.out.printf("round %d %-24s steady %.1f req/s (p99 %.2f ms), warm-up %.1f req/s, "
                                + "service %.0f us/req, machine %.0f us/req, rss %d KiB, ttm %.0f ms%n",
                        round, v.name(), m.steady().rps(), m.steady().p99(), m.warmup().rps(),
                        m.serviceCpuMicrosPerRequest(), m.machineCpuMicrosPerRequest(), m.rssKb(), m.timeToMainMs());
                results.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(m);
            }
        }
        deleteQuietly(settings.fileDir());
        String report = breakdown ? breakdownReport(results, settings) : report(results, settings);
        System.out.println(report);
        BenchmarksDoc.writeSection(root, breakdown ? "<!-- breakdown-overhead-benchmark -->" : "<!-- overhead-benchmark -->",
                report);
    }

    private static Measurement measure(Variant v, Path demoJar, Settings settings) throws Exception {
        double ttm = timeToMain(v);
        try (JavaProcess service = JavaProcess.startCommand("service", serviceCommand(v.jvmArgs(), demoJar, settings),
                Map.of())) {
            Matcher m = service.await("demo-service listening on port (\\d+)", Duration.ofSeconds(120));
            String url = "http://127.0.0.1:" + m.group(1);
            Load warmup = runLoad(demoJar, url, settings.warmup(), settings);
            long serviceBefore = cpuTicks(service.pid());
            long machineBefore = machineBusyTicks();
            Load steady = runLoad(demoJar, url, settings.seconds(), settings);
            long serviceAfter = cpuTicks(service.pid());
            long machineAfter = machineBusyTicks();
            long rss = rssKb(service.pid());
            return new Measurement(v.name(), warmup, steady, rss, (serviceAfter - serviceBefore) / 100.0,
                    (machineAfter - machineBefore) / 100.0, ttm);
        }
    }

    /** The demo service with these JVM arguments, on the service's CPUs, fixed heap, any free port. */
    static List<String> serviceCommand(List<String> jvmArgs, Path demoJar, Settings settings) {
        List<String> command = new ArrayList<>(settings.placement().service());
        command.add(JavaProcess.javaBinary().toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xms256m", "-Xmx256m", "-jar", demoJar.toString(),
                "--port=0", "--file-dir=" + settings.fileDir()));
        return command;
    }

    /** The load generator against {@code url} for {@code seconds}, on the load generator's CPUs. */
    static List<String> loadCommand(Path demoJar, String url, long seconds, Settings settings) {
        List<String> command = new ArrayList<>(settings.placement().load());
        command.addAll(List.of(JavaProcess.javaBinary().toString(), "-cp", demoJar.toString(),
                "io.ebpfagent.demo.LoadGenerator", "--url=" + url, "--concurrency=" + settings.concurrency(),
                "--duration=" + seconds + "s", "--mix=" + settings.mix()));
        return command;
    }

    static Load runLoad(Path demoJar, String url, int seconds, Settings settings) throws Exception {
        try (JavaProcess load = JavaProcess.startCommand("load", loadCommand(demoJar, url, seconds, settings), Map.of())) {
            int code = load.waitFor(Duration.ofSeconds(seconds + 120L));
            if (code != 0) {
                throw new IllegalStateException("load generator failed (" + code + "):\n" + load.output());
            }
            Matcher r = RESULT.matcher(load.output());
            if (!r.find()) {
                throw new IllegalStateException("load generator printed no RESULT line:\n" + load.output());
            }
            return new Load(Long.parseLong(r.group(1)), Double.parseDouble(r.group(3)), Double.parseDouble(r.group(4)),
                    Double.parseDouble(r.group(5)));
        }
    }

    private static double timeToMain(Variant v) throws Exception {
        String cp = Path.of(StartupMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        double[] samples = new double[5];
        for (int i = 0; i < samples.length; i++) {
            List<String> args = new ArrayList<>(v.jvmArgs());
            args.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", cp, StartupMain.class.getName()));
            try (JavaProcess p = JavaProcess.start("startup", args, Map.of())) {
                Matcher m = p.await("TIME_TO_MAIN_MS (\\d+)", Duration.ofSeconds(60));
                samples[i] = Double.parseDouble(m.group(1));
                p.waitFor(Duration.ofSeconds(60));
            }
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }

    static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            System.err.println("bench: could not remove " + dir + ": " + e);
        }
    }

    /** utime + stime of the process, in clock ticks (USER_HZ, 100 on Linux). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Busy time of all CPUs (user, nice, system, irq, softirq, steal), in clock ticks. */
    private static long machineBusyTicks() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                        + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            }
        }
        throw new IOException("/proc/stat has no cpu line");
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /**
     * {@code -Dbench.variants=breakdown}: the agent with default probes and one span per request
     * (its method span on the demo's request handler, so that every request opens and closes a
     * scope), with the per-span kernel-time breakdown off (the reference) and on.
     */
    private static List<Variant> breakdownVariants(String agent) throws IOException {
        List<Variant> variants = new ArrayList<>();
        for (boolean on : new boolean[] {false, true}) {
            variants.add(new Variant("breakdown " + (on ? "on" : "off"), List.of(agent + "=config=" + breakdownConfig(on))));
        }
        return variants;
    }

    /**
     * A temporary agent config: default probes, the Prometheus exporter, a method span on every
     * request of the demo service (so that every request opens and closes a scope), the breakdown
     * on or off at start.
     */
    static Path breakdownConfig(boolean on) throws IOException {
        Path config = Files.createTempFile("bench-breakdown-" + on, ".yaml");
        Files.writeString(config, "exporter:\n  kind: [prometheus]\n  interval: 10s\n  prometheus:\n    port: 0\n"
                + "instrumentation:\n  methods: [io.ebpfagent.demo.EndpointHandler#handle]\n"
                + "spans:\n  breakdown: " + on + "\n");
        return config;
    }

    private static String breakdownReport(Map<String, List<Measurement>> results, Settings settings) {
        List<Measurement> off = results.values().iterator().next();
        StringBuilder b = new StringBuilder();
        b.append("## Throughput with `spans.breakdown` on against off (").append(LocalDate.now()).append(")\n\n");
        b.append("Reproduce: `./run bench -Dbench.variants=breakdown` (").append(settings.rounds())
                .append(" interleaved rounds, the order reversed every other round; per round and variant a fresh")
                .append(" demo-service JVM (`-Xms256m -Xmx256m`) with the agent, default")
                .append(" probes and a method span on every request (`instrumentation.methods:")
                .append(" io.ebpfagent.demo.EndpointHandler#handle`), ").append(settings.warmup())
                .append(" s of warm-up load, then ").append(settings.seconds()).append(" s measured; closed loop, ")
                .append(settings.concurrency()).append(" connections, mix `").append(settings.mix()).append("`; ")
                .append(settings.placement().description()).append("). Ratios against `breakdown off` of the same")
                .append(" round: median [min..max] over the rounds.\n\n");
        b.append("| variant | steady throughput (req/s) | vs off | p99 (ms) | vs off | service CPU (µs/req) | vs off |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (var e : results.entrySet()) {
            List<Measurement> runs = e.getValue();
            Measurement m = median(runs);
            b.append(String.format(java.util.Locale.ROOT, "| %s | %.1f | %s | %.2f | %s | %.0f | %s |%n", e.getKey(),
                    m.steady().rps(), ratio(runs, off, x -> x.steady().rps()), m.steady().p99(),
                    ratio(runs, off, x -> x.steady().p99()), m.serviceCpuMicrosPerRequest(),
                    ratio(runs, off, Measurement::serviceCpuMicrosPerRequest)));
        }
        b.append("\nEvery round (steady req/s, p99, service µs/req):\n\n");
        for (var e : results.entrySet()) {
            b.append("- ").append(e.getKey()).append(":");
            for (Measurement m : e.getValue()) {
                b.append(String.format(java.util.Locale.ROOT, " %.1f (p99 %.1f ms, %.0f µs);", m.steady().rps(),
                        m.steady().p99(), m.serviceCpuMicrosPerRequest()));
            }
            b.append("\n");
        }
        b.append("\nGoal (issue \"Where did this request's time go\"): throughput with the breakdown on within 1%")
                .append(" of off.\n");
        return b.toString();
    }

    private static String report(Map<String, List<Measurement>> results, Settings settings) {
        List<Measurement> baseline = results.values().iterator().next();
        Measurement base = median(baseline);
        StringBuilder b = new StringBuilder();
        b.append("## Agent overhead on the demo service (").append(LocalDate.now()).append(")\n\n");
        b.append("Reproduce: `./run bench` (").append(settings.rounds()).append(" interleaved rounds, the order")
                .append(" reversed every other round; per round and variant a fresh service JVM (`-Xms256m -Xmx256m`), ").append(settings.warmup()).append(" s of warm-up load, then ")
                .append(settings.seconds()).append(" s measured; closed loop, ").append(settings.concurrency())
                .append(" connections, mix `").append(settings.mix()).append("`; ")
                .append(settings.placement().description()).append("; the agent exports to its Prometheus endpoint).")
                .append(" Ratios are taken against the baseline of the same round: median [min..max] over the rounds.")
                .append(" `service CPU` is the service process's CPU time per request during the measured load")
                .append(" (agent threads and kernel work in its threads included); `machine CPU` is every CPU's busy")
                .append(" time per request (load generator, kernel, softirqs included).\n\n");
        b.append("| variant | steady throughput (req/s) | vs baseline | p99 (ms) | vs baseline | warm-up throughput (req/s) | vs baseline | service CPU (µs/req) | machine CPU (µs/req) | RSS (MiB) | extra RSS (MiB) | time-to-main (ms) | added (ms) |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (var e : results.entrySet()) {
            List<Measurement> runs = e.getValue();
            Measurement m = median(runs);
            b.append(String.format(java.util.Locale.ROOT,
                    "| %s | %.1f | %s | %.2f | %s | %.1f | %s | %.0f | %.0f | %.1f | %+.1f | %.0f | %+.0f |%n",
                    e.getKey(), m.steady().rps(), ratio(runs, baseline, x -> x.steady().rps()), m.steady().p99(),
                    ratio(runs, baseline, x -> x.steady().p99()), m.warmup().rps(),
                    ratio(runs, baseline, x -> x.warmup().rps()), m.serviceCpuMicrosPerRequest(),
                    m.machineCpuMicrosPerRequest(), m.rssKb() / 1024.0, (m.rssKb() - base.rssKb()) / 1024.0,
                    m.timeToMainMs(), m.timeToMainMs() - base.timeToMainMs()));
        }
        b.append("\nEvery round (steady req/s, p99, warm-up req/s, service µs/req):\n\n");
        for (var e : results.entrySet()) {
            b.append("- ").append(e.getKey()).append(":");
            for (Measurement m : e.getValue()) {
                b.append(String.format(java.util.Locale.ROOT, " %.1f (p99 %.1f ms, warm-up %.1f, %.0f µs);",
                        m.steady().rps(), m.steady().p99(), m.warmup().rps(), m.serviceCpuMicrosPerRequest()));
            }
            b.append("\n");
        }
        b.append("\nGoals: < 3% steady throughput loss with default probes, < 150 ms added time-to-main,")
                .append(" < 50 MiB extra RSS.\n");
        return b.toString();
    }

    /** Median [min..max] over the rounds of variant/baseline within each round. */
    private static String ratio(List<Measurement> runs, List<Measurement> baseline,
                                java.util.function.ToDoubleFunction<Measurement> value) {
        double[] r = new double[Math.min(runs.size(), baseline.size())];
        for (int i = 0; i < r.length; i++) {
            r[i] = value.applyAsDouble(runs.get(i)) / value.applyAsDouble(baseline.get(i));
        }
        Arrays.sort(r);
        return String.format(java.util.Locale.ROOT, "%.3f [%.3f..%.3f]", median(r), r[0], r[r.length - 1]);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Field-wise medians: a synthetic "typical run" for the absolute columns. */
    private static Measurement median(List<Measurement> ms) {
        java.util.function.Function<java.util.function.ToDoubleFunction<Measurement>, Double> med =
                f -> median(ms.stream().mapToDouble(f).sorted().toArray());
        Load warm = new Load(Math.round(med.apply(m -> m.warmup().count())), med.apply(m -> m.warmup().rps()),
                med.apply(m -> m.warmup().p50()), med.apply(m -> m.warmup().p99()));
        Load steady = new Load(Math.round(med.apply(m -> m.steady().count())), med.apply(m -> m.steady().rps()),
                med.apply(m -> m.steady().p50()), med.apply(m -> m.steady().p99()));
        // CPU per request: the median of the per-run values, carried through the seconds field
        double serviceUs = med.apply(Measurement::serviceCpuMicrosPerRequest);
        double machineUs = med.apply(Measurement::machineCpuMicrosPerRequest);
        return new Measurement(ms.getFirst().variant(), warm, steady, Math.round(med.apply(m -> (double) m.rssKb())),
                serviceUs * steady.count() / 1e6, machineUs * steady.count() / 1e6, med.apply(Measurement::timeToMainMs));
    }
}
