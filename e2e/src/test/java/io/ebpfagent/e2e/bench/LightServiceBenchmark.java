package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The overhead benchmark on a light, fast service (a program, not a test): {@code LightServiceApp}
 * (Jetty 12, {@code /hello} at tens of thousands of requests per second and {@code /mixed}) on one
 * CPU, {@code wrk} on the other, without the agent, with its default probes and with every probe,
 * in interleaved rounds; ratios against the baseline of the same round. Run with
 * {@code ./run bench light}; writes its section of docs/benchmarks.md.
 *
 * <p>Besides throughput, CPU per request and p99 it measures where the agent's kernel time goes:
 * with {@code kernel.bpf_stats_enabled=1}, the run time and run count of every BPF program the
 * service process holds (found through the {@code prog_id} of its descriptors in
 * {@code /proc/<pid>/fdinfo}, read by {@code bpftool prog show}), per context switch of the
 * machine ({@code ctxt} of {@code /proc/stat}) and per request; and in the same window the same
 * figures of libbpf-tools {@code runqlat}, a reference nobody here wrote. The memory and idle phase
 * starts the service with 8, 64 and 512 extra parked threads and reads its RSS
 * ({@code smaps_rollup}) and the CPU time of the agent's own threads while nothing happens.
 */
public final class LightServiceBenchmark {
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)");
    private static final Pattern P99 = Pattern.compile("^\\s*99%\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);
    private static final Pattern ERRORS = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    record Variant(String name, List<String> jvmArgs) {
        boolean agent() {
            return !jvmArgs.isEmpty();
        }
    }

    record Wrk(long requests, double seconds, double p99Ms) {
        double rps() {
            return requests / seconds;
        }
    }

    /** Run time and run count of one program over a window. */
    record ProgCost(String name, long runTimeNs, long runs) {
    }

    /** A window with BPF statistics on: the agent's programs and runqlat's, machine context switches. */
    record BpfWindow(Wrk load, long switches, List<ProgCost> agent, List<ProgCost> runqlat) {
        static long total(List<ProgCost> progs) {
            return progs.stream().mapToLong(ProgCost::runTimeNs).sum();
        }

        double agentNsPerSwitch() {
            return (double) total(agent) / switches;
        }

        double agentNsPerRequest() {
            return (double) total(agent) / load.requests();
        }

        double runqlatNsPerSwitch() {
            return (double) total(runqlat) / switches;
        }
    }

    /** One endpoint's measured load: throughput, p99 and the service's CPU per request. */
    record Endpoint(Wrk load, double cpuUsPerRequest) {
    }

    record Run(Endpoint hello, Endpoint mixed, long rssKb, BpfWindow helloBpf, BpfWindow mixedBpf) {
    }

    record Idle(int extraThreads, int threads, long rssKb, double processCpuMsPerSecond, double agentCpuMsPerSecond,
                double eventsThreadMsPerSecond) {
    }

    record Settings(int seconds, int warmup, int bpfSeconds, int rounds, int helloConnections,
                            int mixedConnections, List<Integer> threadCounts, int idleSeconds, List<String> service,
                            List<String> load, String placement, String classpath, Path files) {
    }

    private LightServiceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = JavaProcess.repoRoot();
        Path agentJar = Path.of(System.getProperty("bench.agentJar", root.resolve("agent/target/ebpf-agent.jar").toString()));
        Path cpFile = root.resolve("e2e/target/test-classpath.txt");
        if (!Files.exists(agentJar) || !Files.exists(cpFile)) {
            throw new IllegalStateException("build first: ./run build (missing " + agentJar + " or " + cpFile + ")");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/wrk"))) {
            throw new IllegalStateException("wrk is missing: apt-get install wrk");
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        boolean pin = cpus >= 2 && Files.isExecutable(Path.of("/usr/bin/taskset"));
        String last = String.valueOf(cpus - 1);
        Settings s = new Settings(
                Integer.getInteger("bench.seconds", 15),
                Integer.getInteger("bench.warmup", 25),
                Integer.getInteger("bench.bpfSeconds", 8),
                Integer.getInteger("bench.rounds", 3),
                Integer.getInteger("bench.helloConnections", 8),
                Integer.getInteger("bench.mixedConnections", 8),
                Arrays.stream(System.getProperty("bench.threads", "8,64,512").split(",")).map(String::trim)
                        .filter(t -> !t.isEmpty()).map(Integer::valueOf).toList(),
                Integer.getInteger("bench.idleSeconds", 20),
                pin ? List.of("/usr/bin/taskset", "-c", last) : List.of(),
                pin ? List.of("/usr/bin/taskset", "-c", "0") : List.of(),
                pin ? "service on CPU " + last + ", wrk on CPU 0 (taskset)" : "no CPU pinning",
                System.getProperty("bench.classpath",
                        root.resolve("e2e/target/test-classes") + ":" + Files.readString(cpFile).strip()),
                Files.isDirectory(Path.of("/dev/shm")) ? Files.createTempDirectory(Path.of("/dev/shm"), "light-")
                        : Files.createTempDirectory("light-"));
        Path defaults = BenchAgentConfigs.defaultProbes();
        Path all = BenchAgentConfigs.allProbes();
        String agent = "-javaagent:" + agentJar;
        List<Variant> variants = List.of(
                new Variant("baseline (no agent)", List.of()),
                new Variant("agent, default probes", List.of(agent + "=config=" + defaults)),
                new Variant("agent, all probes", List.of(agent + "=config=" + all)));
        // the syscall-tax phase also isolates the two probes on system-call tracepoints
        List<Variant> taxVariants = new ArrayList<>(variants);
        for (String probe : List.of("syscalls", "io")) {
            Path only = Files.createTempFile("bench-" + probe, ".yaml");
            Files.writeString(only, "exporter:\n  kind: [prometheus]\n  interval: 10s\n  prometheus:\n    port: 0\n"
                    + "probes:\n  " + probe + ":\n    enabled: true\n");
            taxVariants.add(taxVariants.size() - 1,
                    new Variant("agent, default + " + probe + " probe", List.of(agent + "=config=" + only)));
        }
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        System.out.println("light bench: " + s.placement() + "; load average " + loadBefore);

        Map<String, List<Run>> runs = new LinkedHashMap<>();
        for (int round = 0; round < s.rounds(); round++) {
            // in a fixed order a later JVM of a round ran faster, agent or not (the demo
            // service's breakdown runs of 2026-12-02): the order is reversed every other round
            List<Variant> order = new ArrayList<>(variants);
            if (round % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (Variant v : order) {
                Run r = measure(v, s);
                System.out.printf(Locale.ROOT, "round %d %-22s hello %.0f req/s p99 %.2f ms %.1f us/req | mixed %.1f req/s "
                                + "p99 %.1f ms %.0f us/req | rss %d KiB%s%n", round, v.name(), r.hello().load().rps(),
                        r.hello().load().p99Ms(), r.hello().cpuUsPerRequest(), r.mixed().load().rps(),
                        r.mixed().load().p99Ms(), r.mixed().cpuUsPerRequest(), r.rssKb(),
                        r.helloBpf() == null ? "" : String.format(Locale.ROOT,
                                " | bpf/switch hello %.0f ns (runqlat %.0f), mixed %.0f ns (runqlat %.0f)",
                                r.helloBpf().agentNsPerSwitch(), r.helloBpf().runqlatNsPerSwitch(),
                                r.mixedBpf().agentNsPerSwitch(), r.mixedBpf().runqlatNsPerSwitch()));
                runs.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(r);
            }
        }
        Map<String, List<Idle>> idle = new LinkedHashMap<>();
        for (int threads : s.threadCounts()) {
            for (Variant v : variants) {
                Idle i = idle(v, threads, s);
                System.out.printf(Locale.ROOT, "idle %d threads %-22s rss %d KiB, process %.2f ms/s, agent threads %.2f ms/s "
                                + "(events %.2f)%n", threads, v.name(), i.rssKb(), i.processCpuMsPerSecond(),
                        i.agentCpuMsPerSecond(), i.eventsThreadMsPerSecond());
                idle.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(i);
            }
        }
        Map<String, List<Double>> tax = new LinkedHashMap<>();
        for (int round = 0; round < s.rounds(); round++) {
            for (Variant v : taxVariants) {
                double rate = syscallRateBeside(v, s);
                System.out.printf(Locale.ROOT, "syscall rate of dd beside %-22s %.0f/s%n", v.name(), rate);
                tax.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(rate);
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
        OverheadBenchmark.deleteQuietly(s.files());
        String report = report(runs, idle, tax, s, loadBefore, loadAfter);
        System.out.println(report);
        BenchmarksDoc.writeSection(root, "<!-- light-benchmark -->", report);
    }

    static JavaProcess startService(Variant v, Settings s, List<String> extra) throws Exception {
        List<String> command = new ArrayList<>(s.service());
        command.add(JavaProcess.javaBinary().toString());
        command.addAll(v.jvmArgs());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-Xss512k",
                "-Dapp.files=" + s.files()));
        command.addAll(extra);
        command.addAll(List.of("-cp", s.classpath(), "io.ebpfagent.e2e.apps.LightServiceApp"));
        JavaProcess p = JavaProcess.startCommand("light", command, Map.of());
        p.await("light-app listening on port (\\d+)", Duration.ofSeconds(180));
        if (v.agent()) {
            p.await("kernel probes running", Duration.ofSeconds(180));
        }
        return p;
    }

    static int port(JavaProcess p) throws InterruptedException {
        return Integer.parseInt(p.await("light-app listening on port (\\d+)", Duration.ofSeconds(1)).group(1));
    }

    private static Run measure(Variant v, Settings s) throws Exception {
        try (JavaProcess service = startService(v, s, List.of())) {
            String base = "http://127.0.0.1:" + port(service);
            wrk(s, base + "/hello", s.helloConnections(), s.warmup());
            wrk(s, base + "/mixed", s.mixedConnections(), Math.max(5, s.warmup() / 2));
            Endpoint hello = endpoint(service.pid(), s, base + "/hello", s.helloConnections());
            Endpoint mixed = endpoint(service.pid(), s, base + "/mixed", s.mixedConnections());
            long rss = rssKb(service.pid());
            BpfWindow helloBpf = null;
            BpfWindow mixedBpf = null;
            if (v.agent()) {
                helloBpf = bpfWindow(service.pid(), s, base + "/hello", s.helloConnections());
                mixedBpf = bpfWindow(service.pid(), s, base + "/mixed", s.mixedConnections());
            }
            return new Run(hello, mixed, rss, helloBpf, mixedBpf);
        }
    }

    private static Endpoint endpoint(long pid, Settings s, String url, int connections) throws Exception {
        long before = OverheadBenchmark.cpuTicks(pid);
        Wrk w = wrk(s, url, connections, s.seconds());
        long after = OverheadBenchmark.cpuTicks(pid);
        return new Endpoint(w, (after - before) * 1e4 / w.requests());
    }

    private static BpfWindow bpfWindow(long pid, Settings s, String url, int connections) throws Exception {
        Path stats = Path.of("/proc/sys/kernel/bpf_stats_enabled");
        String previous = Files.readString(stats).strip();
        Files.writeString(stats, "1");
        try (JavaProcess runqlat = JavaProcess.startCommand("runqlat",
                List.of(runqlatBinary(), String.valueOf(s.bpfSeconds() + 60), "1"), Map.of())) {
            // its output is block-buffered into a pipe: wait for its programs instead of its banner
            Map<Long, ProgCost> rq0 = progs(runqlat.pid());
            for (long deadline = System.nanoTime() + 60_000_000_000L; rq0.size() < 3; rq0 = progs(runqlat.pid())) {
                if (System.nanoTime() > deadline || !runqlat.isAlive()) {
                    throw new IllegalStateException("runqlat did not attach:\n" + runqlat.output());
                }
                Thread.sleep(100);
            }
            Map<Long, ProgCost> agent0 = progs(pid);
            long ctxt0 = contextSwitches();
            Wrk w = wrk(s, url, connections, s.bpfSeconds());
            Map<Long, ProgCost> agent1 = progs(pid);
            Map<Long, ProgCost> rq1 = progs(runqlat.pid());
            long ctxt1 = contextSwitches();
            return new BpfWindow(w, ctxt1 - ctxt0, delta(agent0, agent1), delta(rq0, rq1));
        } finally {
            Files.writeString(stats, previous);
        }
    }

    private static String runqlatBinary() {
        for (String p : List.of("/usr/sbin/runqlat", "/usr/bin/runqlat")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("runqlat is missing: apt-get install libbpf-tools");
    }

    static List<ProgCost> delta(Map<Long, ProgCost> before, Map<Long, ProgCost> after) {
        List<ProgCost> d = new ArrayList<>();
        after.forEach((id, a) -> {
            ProgCost b = before.get(id);
            d.add(new ProgCost(a.name(), a.runTimeNs() - (b == null ? 0 : b.runTimeNs()),
                    a.runs() - (b == null ? 0 : b.runs())));
        });
        return d;
    }

    /** The BPF programs process pid holds a descriptor of (program or link), with their statistics. */
    static Map<Long, ProgCost> progs(long pid) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
            for (Path fd : fds.toList()) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("prog_id:")) {
                            long id = Long.parseLong(line.substring(8).strip());
                            if (!ids.contains(id)) {
                                ids.add(id);
                            }
                        }
                    }
                } catch (IOException closedMeanwhile) {
                    // not there any more
                }
            }
        }
        Map<Long, ProgCost> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        Process p = new ProcessBuilder("bpftool", "-j", "prog", "show").redirectErrorStream(false).start();
        String json = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        for (Object o : (List<?>) Json.parse(json)) {
            Map<?, ?> prog = (Map<?, ?>) o;
            long id = ((Number) prog.get("id")).longValue();
            if (ids.contains(id)) {
                Object ns = prog.get("run_time_ns");
                Object cnt = prog.get("run_cnt");
                out.put(id, new ProgCost(String.valueOf(prog.get("name")), ns == null ? 0 : ((Number) ns).longValue(),
                        cnt == null ? 0 : ((Number) cnt).longValue()));
            }
        }
        return out;
    }

    static Wrk wrk(Settings s, String url, int connections, int seconds) throws Exception {
        List<String> command = new ArrayList<>(s.load());
        command.addAll(List.of("/usr/bin/wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency",
                "--timeout", "10s", url));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed:\n" + out);
        }
        Matcher r = REQUESTS.matcher(out);
        Matcher q = P99.matcher(out);
        if (!r.find() || !q.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + out);
        }
        Matcher e = ERRORS.matcher(out);
        if (e.find() && Long.parseLong(e.group(1)) > 0) {
            throw new IllegalStateException("the service answered with errors:\n" + out);
        }
        return new Wrk(Long.parseLong(r.group(1)), seconds(r.group(2), r.group(3)) , seconds(q.group(1), q.group(2)) * 1e3);
    }

    private static double seconds(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit) {
            case "us" -> v / 1e6;
            case "ms" -> v / 1e3;
            case "m" -> v * 60;
            default -> v;
        };
    }

    private static Idle idle(Variant v, int extraThreads, Settings s) throws Exception {
        try (JavaProcess service = startService(v, s, List.of("-Dapp.idleThreads=" + extraThreads))) {
            String base = "http://127.0.0.1:" + port(service);
            wrk(s, base + "/hello", s.helloConnections(), 5);
            wrk(s, base + "/mixed", s.mixedConnections(), 3);
            Thread.sleep(5000); // the load's last exports and collections settle
            long pid = service.pid();
            Map<String, Long> t0 = threadCpuNs(pid);
            long start = System.nanoTime();
            Thread.sleep(s.idleSeconds() * 1000L);
            Map<String, Long> t1 = threadCpuNs(pid);
            double secs = (System.nanoTime() - start) / 1e9;
            long process = 0;
            long agent = 0;
            long events = 0;
            for (var e : t1.entrySet()) {
                long d = e.getValue() - t0.getOrDefault(e.getKey(), 0L);
                process += d;
                if (e.getKey().startsWith("ebpf-agent")) {
                    agent += d;
                }
                if (e.getKey().startsWith("ebpf-agent-even")) {
                    events += d;
                }
            }
            return new Idle(extraThreads, threadCount(pid), smapsRss(pid), process / 1e6 / secs, agent / 1e6 / secs,
                    events / 1e6 / secs);
        }
    }

    /**
     * The system-call rate of an unrelated process (dd copying /dev/zero to /dev/null one byte at a
     * time: a read and a write per byte) on the wrk CPU while an idle service JVM of variant v runs
     * on the other: what the agent's machine-wide hooks cost processes that have nothing to do
     * with it.
     */
    private static double syscallRateBeside(Variant v, Settings s) throws Exception {
        try (JavaProcess service = startService(v, s, List.of())) {
            Thread.sleep(3000);
            long bytes = Long.getLong("bench.ddBytes", 1_000_000L);
            List<String> command = new ArrayList<>(s.load());
            command.addAll(List.of("/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=" + bytes));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("dd failed:\n" + out);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Matcher m = Pattern.compile("copied, ([0-9.]+) s").matcher(out);
            if (m.find()) {
                secs = Double.parseDouble(m.group(1));
            }
            return 2.0 * bytes / secs;
        }
    }

    /**
     * On-CPU nanoseconds (first field of {@code schedstat}: clock ticks would be too coarse for an
     * idle thread) of every thread of the process, by name:tid (the agent's own start with ebpf-agent).
     */
    private static Map<String, Long> threadCpuNs(long pid) throws IOException {
        Map<String, Long> ticks = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    String schedstat = Files.readString(task.resolve("schedstat")).strip();
                    ticks.put(name + ":" + task.getFileName(), Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))));
                } catch (IOException exited) {
                    // gone
                }
            }
        }
        return ticks;
    }

    private static int threadCount(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring(8).strip());
            }
        }
        return -1;
    }

    private static long smapsRss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            if (line.startsWith("Rss:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long contextSwitches() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("ctxt ")) {
                return Long.parseLong(line.substring(5).strip());
            }
        }
        throw new IOException("/proc/stat has no ctxt line");
    }

    private static long rssKb(long pid) throws IOException {
        return smapsRss(pid);
    }

    // ------------------------------------------------------------------ report

    private static String report(Map<String, List<Run>> runs, Map<String, List<Idle>> idle,
                                 Map<String, List<Double>> tax, Settings s, String loadBefore, String loadAfter) {
        List<Run> baseline = runs.values().iterator().next();
        StringBuilder b = new StringBuilder();
        b.append("## Agent overhead on a light, fast service (").append(LocalDate.now()).append(")\n\n");
        b.append("Reproduce: `./run bench light` (").append(s.rounds()).append(" interleaved rounds, the order reversed every other round; per round and")
                .append(" variant a fresh Jetty 12 JVM (`LightServiceApp`), ").append(s.warmup())
                .append(" s of `/hello` and ").append(Math.max(5, s.warmup() / 2)).append(" s of `/mixed` warm-up, then ")
                .append(s.seconds()).append(" s measured per endpoint with `wrk -t1` (").append(s.helloConnections())
                .append(" / ").append(s.mixedConnections()).append(" connections); ").append(s.placement())
                .append("; the agent exports to its Prometheus endpoint). Load average before the run `")
                .append(loadBefore).append("`, after `").append(loadAfter).append("` (the machine is shared:")
                .append(" ratios within a round are what counts). `/mixed` is ~2 ms of CPU, a 5 ms sleep and a")
                .append(" 1 KiB file write. Ratios: median [min..max] over the rounds of variant / baseline of the same")
                .append(" round. CPU per request is the service process's utime+stime (`/proc/<pid>/stat`) over the")
                .append(" window divided by the requests wrk completed. RSS from `/proc/<pid>/smaps_rollup`.\n\n");
        b.append("| variant | /hello req/s | vs baseline | /hello CPU (µs/req) | vs baseline | /hello p99 (ms) | /mixed req/s | vs baseline | /mixed CPU (µs/req) | vs baseline | /mixed p99 (ms) | RSS (MiB) | extra RSS (MiB) |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        double baseRss = med(baseline, r -> r.rssKb());
        for (var e : runs.entrySet()) {
            List<Run> rs = e.getValue();
            b.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %.1f | %s | %.2f | %.1f | %s | %.0f | %s | %.1f | %.1f | %+.1f |%n",
                    e.getKey(), med(rs, r -> r.hello().load().rps()), ratio(rs, baseline, r -> r.hello().load().rps()),
                    med(rs, r -> r.hello().cpuUsPerRequest()), ratio(rs, baseline, r -> r.hello().cpuUsPerRequest()),
                    med(rs, r -> r.hello().load().p99Ms()), med(rs, r -> r.mixed().load().rps()),
                    ratio(rs, baseline, r -> r.mixed().load().rps()), med(rs, r -> r.mixed().cpuUsPerRequest()),
                    ratio(rs, baseline, r -> r.mixed().cpuUsPerRequest()), med(rs, r -> r.mixed().load().p99Ms()),
                    med(rs, r -> r.rssKb()) / 1024, (med(rs, r -> r.rssKb()) - baseRss) / 1024));
        }
        b.append("\nEvery round (/hello req/s, /mixed req/s):\n\n");
        for (var e : runs.entrySet()) {
            b.append("- ").append(e.getKey()).append(":");
            for (Run r : e.getValue()) {
                b.append(String.format(Locale.ROOT, " %.0f / %.1f;", r.hello().load().rps(), r.mixed().load().rps()));
            }
            b.append("\n");
        }
        b.append("\nBPF time (`kernel.bpf_stats_enabled=1`, a separate ").append(s.bpfSeconds())
                .append(" s window per endpoint after the measured ones, libbpf-tools `runqlat` running in the same")
                .append(" window; per context switch = run time of all programs / `ctxt` of `/proc/stat` over the")
                .append(" window, machine-wide). Median over the rounds:\n\n");
        b.append("| variant | endpoint | agent ns / switch | runqlat ns / switch | agent / runqlat | agent ns / request | switches / request |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (var e : runs.entrySet()) {
            List<Run> rs = e.getValue();
            if (rs.getFirst().helloBpf() == null) {
                continue;
            }
            for (String ep : List.of("/hello", "/mixed")) {
                java.util.function.Function<Run, BpfWindow> w = ep.equals("/hello") ? Run::helloBpf : Run::mixedBpf;
                b.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.2f |%n", e.getKey(), ep,
                        med(rs, r -> w.apply(r).agentNsPerSwitch()), med(rs, r -> w.apply(r).runqlatNsPerSwitch()),
                        med(rs, r -> w.apply(r).agentNsPerSwitch() / w.apply(r).runqlatNsPerSwitch()),
                        med(rs, r -> w.apply(r).agentNsPerRequest()),
                        med(rs, r -> (double) w.apply(r).switches() / w.apply(r).load().requests())));
            }
        }
        b.append("\nPer program (median over the rounds; ns per run, and runs per machine context switch, which says")
                .append(" how often it fires: a program that fires for other processes too runs more often than the")
                .append(" JVM's share of switches):\n\n");
        b.append("| variant | endpoint | program | ns / run | runs / switch | runs / request | ns / request |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (var e : runs.entrySet()) {
            List<Run> rs = e.getValue();
            if (rs.getFirst().helloBpf() == null) {
                continue;
            }
            for (String ep : List.of("/hello", "/mixed")) {
                java.util.function.Function<Run, BpfWindow> w = ep.equals("/hello") ? Run::helloBpf : Run::mixedBpf;
                Map<String, List<double[]>> byProg = new TreeMap<>();
                for (Run r : rs) {
                    BpfWindow bw = w.apply(r);
                    Map<String, long[]> sums = new TreeMap<>();
                    for (ProgCost p : bw.agent()) {
                        long[] a = sums.computeIfAbsent(p.name(), k -> new long[2]);
                        a[0] += p.runTimeNs();
                        a[1] += p.runs();
                    }
                    sums.forEach((name, a) -> byProg.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {
                            a[1] == 0 ? 0 : (double) a[0] / a[1], (double) a[1] / bw.switches(),
                            (double) a[1] / bw.load().requests(), (double) a[0] / bw.load().requests()}));
                }
                byProg.forEach((name, vals) -> {
                    if (vals.stream().allMatch(v -> v[1] == 0)) {
                        return;
                    }
                    b.append(String.format(Locale.ROOT, "| %s | %s | `%s` | %.0f | %.3f | %.2f | %.0f |%n", e.getKey(), ep,
                            name, medD(vals, 0), medD(vals, 1), medD(vals, 2), medD(vals, 3)));
                });
            }
        }
        b.append("\nMemory and idle cost by thread count (the service started with N extra parked threads, 5 s of")
                .append(" `/hello` and 3 s of `/mixed`, 5 s to settle, then ").append(s.idleSeconds())
                .append(" s without requests: on-CPU time (`/proc/<pid>/task/*/schedstat`) of the whole process and")
                .append(" of the agent's own threads (`ebpf-agent-*`; the JDK HTTP server behind the Prometheus endpoint")
                .append(" runs threads of its own, `HTTP-Dispatcher` and `req-rsp-timeout`, counted in the process")
                .append(" column only) per second; RSS from `smaps_rollup` at the end):\n\n");
        b.append("| variant | extra threads | JVM threads | RSS (MiB) | extra RSS (MiB) | process idle (ms CPU/s) | vs baseline (ms/s) | `ebpf-agent-*` threads idle (ms CPU/s) | of which `ebpf-agent-events` |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        List<Idle> baseIdle = idle.values().iterator().next();
        for (var e : idle.entrySet()) {
            for (int i = 0; i < e.getValue().size(); i++) {
                Idle x = e.getValue().get(i);
                b.append(String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %+.1f | %.2f | %+.2f | %.2f | %.2f |%n",
                        e.getKey(), x.extraThreads(), x.threads(), x.rssKb() / 1024.0,
                        (x.rssKb() - baseIdle.get(i).rssKb()) / 1024.0, x.processCpuMsPerSecond(),
                        x.processCpuMsPerSecond() - baseIdle.get(i).processCpuMsPerSecond(), x.agentCpuMsPerSecond(),
                        x.eventsThreadMsPerSecond()));
            }
        }
        b.append("\nSystem calls of an unrelated process (`dd if=/dev/zero of=/dev/null bs=1`, a read and a write per")
                .append(" byte, on the wrk CPU) while an idle service JVM of the variant runs on the other CPU: the cost")
                .append(" the agent's machine-wide hooks put on every process of the machine. Median over the rounds")
                .append(" [min..max], ratio against the baseline of the same round:\n\n");
        b.append("| beside | dd system calls/s | vs baseline |\n|---|---|---|\n");
        List<Double> baseTax = tax.values().iterator().next();
        for (var e : tax.entrySet()) {
            List<Double> v = e.getValue();
            double[] r = new double[Math.min(v.size(), baseTax.size())];
            for (int i = 0; i < r.length; i++) {
                r[i] = v.get(i) / baseTax.get(i);
            }
            Arrays.sort(r);
            b.append(String.format(Locale.ROOT, "| %s | %.0f | %.3f [%.3f..%.3f] |%n", e.getKey(),
                    median(v.stream().mapToDouble(Double::doubleValue).sorted().toArray()), median(r), r[0],
                    r[r.length - 1]));
        }
        b.append("\nGoals (issue 19): /hello throughput > 0.99 with default probes and > 0.95 with all probes; agent BPF")
                .append(" time per switch (default probes) at most half of runqlat's; extra RSS < 50 MiB at any thread")
                .append(" count; agent threads ~0 CPU when idle, flat in the thread count.\n");
        return b.toString();
    }

    private static double med(List<Run> rs, ToDoubleFunction<Run> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        return median(v);
    }

    private static double medD(List<double[]> vals, int i) {
        return median(vals.stream().mapToDouble(v -> v[i]).sorted().toArray());
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String ratio(List<Run> runs, List<Run> baseline, ToDoubleFunction<Run> value) {
        double[] r = new double[Math.min(runs.size(), baseline.size())];
        for (int i = 0; i < r.length; i++) {
            r[i] = value.applyAsDouble(runs.get(i)) / value.applyAsDouble(baseline.get(i));
        }
        Arrays.sort(r);
        return String.format(Locale.ROOT, "%.3f [%.3f..%.3f]", median(r), r[0], r[r.length - 1]);
    }
}
