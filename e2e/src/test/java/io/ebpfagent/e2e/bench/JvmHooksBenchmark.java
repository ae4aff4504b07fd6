package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.bench.LightServiceBenchmark.ProgCost;
import io.ebpfagent.e2e.support.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * What the jvm probe's USDT hooks cost the JVM they watch, where they fire: young collections (the
 * hits run inside the pause) and class loads. Each round starts a fresh {@code JvmEventsApp} JVM
 * per variant (no agent, this agent, and with {@code --compare=<jar>} another agent jar), in the
 * same order, with a small young generation ({@code -Xmx256m -Xmn16m}, G1); with an agent it waits
 * for "kernel probes running" and 2 s more (the exporters' classes load meanwhile), then runs
 * {@code gc <millis>} and {@code classes <n>}. With {@code kernel.bpf_stats_enabled=1} it reads
 * the run count and time of the JVM's programs (its descriptors in {@code /proc/<pid>/fdinfo},
 * {@code bpftool prog show}) around each phase: runs of {@code on_hotspot} (the USDT program) per
 * young collection and per class loaded; the mean young pause and the count come from the
 * collector's MXBean. Uprobe traps themselves are not in the program time.
 *
 * <p>Run: {@code ./run bench-jvm-hooks [--rounds=3] [--gc-millis=5000] [--classes=1500]
 * [--compare=<agent jar>]}. Writes its section of docs/benchmarks.md.
 */
public final class JvmHooksBenchmark {
    private static final String MARKER = "<!-- jvm-hooks-benchmark -->";

    private record Variant(String name, String agentJar) {
    }

    private record Result(long collections, double meanPauseMs, double hotspotRunsPerGc, double hotspotUsPerGc,
                          double switchRunsPerGc, long classes, long classMs, double hotspotRunsPerClass) {
    }

    private JvmHooksBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 3;
        long gcMillis = 5000;
        int classes = 1500;
        String compare = null;
        for (String a : args) {
            if (a.startsWith("--rounds=")) {
                rounds = Integer.parseInt(a.substring(9));
            } else if (a.startsWith("--gc-millis=")) {
                gcMillis = Long.parseLong(a.substring(12));
            } else if (a.startsWith("--classes=")) {
                classes = Integer.parseInt(a.substring(10));
            } else if (a.startsWith("--compare=")) {
                compare = a.substring(10);
            } else {
                throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        Path root = JavaProcess.repoRoot();
        Path agent = root.resolve("agent/target/ebpf-agent.jar");
        if (!Files.exists(agent)) {
            throw new IllegalStateException("build first: ./run bench-jvm-hooks (missing " + agent + ")");
        }
        List<Variant> variants = new ArrayList<>(List.of(new Variant("no agent", null),
                new Variant("this agent", agent.toString())));
        if (compare != null) {
            variants.add(new Variant("compared jar", compare));
        }
        Path stats = Path.of("/proc/sys/kernel/bpf_stats_enabled");
        String previous = Files.readString(stats).strip();
        Map<String, List<Result>> results = new LinkedHashMap<>();
        Files.writeString(stats, "1");
        try {
            for (int r = 1; r <= rounds; r++) {
                for (Variant v : variants) {
                    Result res = run(root, v, gcMillis, classes);
                    results.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(res);
                    System.out.printf(Locale.ROOT, "round %d, %s: %s%n", r, v.name(), res);
                }
            }
        } finally {
            Files.writeString(stats, previous);
        }
        String report = report(results, rounds, gcMillis, classes, compare);
        System.out.println(report);
        System.out.println("written to " + BenchmarksDoc.writeSection(root, MARKER, report));
    }

    private static Result run(Path root, Variant v, long gcMillis, int classes) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("-Xmx256m", "-Xmn16m", "-XX:+UseG1GC"));
        if (v.agentJar() != null) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add("-javaagent:" + v.agentJar());
        }
        cmd.addAll(List.of("-cp", root.resolve("e2e/target/test-classes").toString(),
                "io.ebpfagent.e2e.apps.JvmEventsApp"));
        JavaProcess p = JavaProcess.start("jvm-events", cmd, Map.of());
        try {
            p.await("^ready$", Duration.ofSeconds(60));
            if (v.agentJar() != null) {
                p.await("kernel probes running", Duration.ofSeconds(120));
                Thread.sleep(2000);
            }
            Map<Long, ProgCost> before = LightServiceBenchmark.progs(p.pid());
            p.send("gc " + gcMillis);
            Matcher gc = p.await("^gc (\\d+) (\\d+)$", Duration.ofMillis(gcMillis + 120_000));
            List<ProgCost> gcCost = LightServiceBenchmark.delta(before, LightServiceBenchmark.progs(p.pid()));
            before = LightServiceBenchmark.progs(p.pid());
            p.send("classes " + classes);
            Matcher cl = p.await("^classes (\\d+) (\\d+)$", Duration.ofSeconds(120));
            List<ProgCost> classCost = LightServiceBenchmark.delta(before, LightServiceBenchmark.progs(p.pid()));
            long n = Long.parseLong(gc.group(1));
            long loaded = Long.parseLong(cl.group(1));
            return new Result(n, n == 0 ? 0 : Double.parseDouble(gc.group(2)) / n,
                    per(runs(gcCost, "on_hotspot"), n), per(timeNs(gcCost, "on_hotspot"), n) / 1000,
                    per(runs(gcCost, "on_sched_switch"), n), loaded, Long.parseLong(cl.group(2)),
                    per(runs(classCost, "on_hotspot"), loaded));
        } finally {
            p.close();
        }
    }

    private static double per(long value, long n) {
        return n == 0 ? 0 : (double) value / n;
    }

    private static long runs(List<ProgCost> costs, String name) {
        return costs.stream().filter(c -> c.name().equals(name)).mapToLong(ProgCost::runs).sum();
    }

    private static long timeNs(List<ProgCost> costs, String name) {
        return costs.stream().filter(c -> c.name().equals(name)).mapToLong(ProgCost::runTimeNs).sum();
    }

    private static String report(Map<String, List<Result>> results, int rounds, long gcMillis, int classes,
                                 String compare) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Command: `./run bench-jvm-hooks --rounds=%d --gc-millis=%d --classes=%d%s`"
                + " (%s, load average %s). Per variant and round: young collections in the `gc` phase and their mean "
                + "pause (MXBean), `on_hotspot` runs and program time per collection, `on_sched_switch` runs per "
                + "collection; classes loaded in the `classes` phase, its wall time and `on_hotspot` runs per class.%n%n",
                rounds, gcMillis, classes, compare == null ? "" : " --compare=" + compare,
                java.time.LocalDate.now(), StartupBenchmark.loadAverage()));
        b.append("| variant | round | young GCs | mean pause ms | on_hotspot runs / GC | on_hotspot µs / GC "
                + "| on_sched_switch runs / GC | classes | ms | on_hotspot runs / class |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        results.forEach((name, list) -> {
            for (int i = 0; i < list.size(); i++) {
                Result r = list.get(i);
                b.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | %.1f | %.1f | %.1f | %d | %d | %.2f |%n",
                        name, i + 1, r.collections(), r.meanPauseMs(), r.hotspotRunsPerGc(), r.hotspotUsPerGc(),
                        r.switchRunsPerGc(), r.classes(), r.classMs(), r.hotspotRunsPerClass()));
            }
        });
        b.append('\n');
        return b.toString();
    }
}
