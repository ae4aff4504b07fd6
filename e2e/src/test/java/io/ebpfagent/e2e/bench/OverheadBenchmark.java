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
 * reported as ratios against the baseline; plus time-to-main, RSS and CPU of the service.
 * Run with {@code ./run bench}; writes docs/benchmarks.md.
 */
public final class OverheadBenchmark {
    private static final Pattern RESULT = Pattern.compile(
            "RESULT endpoint=ALL count=(\\d+) errors=(\\d+) rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+)");

    record Variant(String name, List<String> jvmArgs) {
    }

    record Measurement(String variant, double rps, double p50, double p99, long rssKb, double cpuSeconds,
                       double timeToMainMs) {
    }

    private OverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = JavaProcess.repoRoot();
        Path agentJar = root.resolve("agent/target/ebpf-agent.jar");
        Path demoJar = root.resolve("demo-apps/target/demo-apps.jar");
        if (!Files.exists(agentJar) || !Files.exists(demoJar)) {
            throw new IllegalStateException("build first: ./run build (missing " + agentJar + " or " + demoJar + ")");
        }
        int seconds = Integer.getInteger("bench.seconds", 30);
        int warmup = Integer.getInteger("bench.warmup", 10);
        int rounds = Integer.getInteger("bench.rounds", 2);
        String mix = System.getProperty("bench.mix", "/cpu?ms=2:3,/sleep?ms=5:3,/file?kb=16:2,/downstream?n=2:2,/alloc?mb=1:1");
        Path defaults = Files.createTempFile("bench-default", ".yaml");
        // a Prometheus endpoint on an ephemeral port: the exporter costs what a scrape-based
        // deployment costs, not the price of printing every metric line
        Files.writeString(defaults, "exporter:\n  kind: [prometheus]\n  interval: 10s\n  prometheus:\n    port: 0\n");
        Path all = Files.createTempFile("bench-all", ".yaml");
        Files.writeString(all, """
                exporter:
                  kind: [prometheus]
                  interval: 10s
                  prometheus:
                    port: 0
                probes:
                  sched:
                    enabled: true
                  syscalls:
                    enabled: true
                  io:
                    enabled: true
                  net:
                    enabled: true
                  faults:
                    enabled: true
                  jvm:
                    enabled: true
                  profile:
                    enabled: true
                """);
        String agent = "-javaagent:" + agentJar;
        List<Variant> variants = List.of(
                new Variant("baseline (no agent)", List.of()),
                new Variant("agent, default probes", List.of(agent + "=config=" + defaults)),
                new Variant("agent, all probes", List.of(agent + "=config=" + all)));

        Map<String, List<Measurement>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            // interleave the variants so drift of the machine hits all of them alike
            for (Variant v : variants) {
                Measurement m = measure(v, demoJar, root, seconds, warmup, mix);
                System.out.printf("round %d %-24s rps=%.1f p99=%.2fms rss=%dKiB cpu=%.2fs ttm=%.0fms%n",
                        round, v.name(), m.rps(), m.p99(), m.rssKb(), m.cpuSeconds(), m.timeToMainMs());
                results.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(m);
            }
        }
        String report = report(results, seconds, warmup, rounds, mix);
        System.out.println(report);
        Path out = root.resolve("docs/benchmarks.md");
        String existing = Files.exists(out) ? Files.readString(out) : "# Benchmarks\n";
        String marker = "<!-- overhead-benchmark -->";
        int at = existing.indexOf(marker);
        String head = at >= 0 ? existing.substring(0, at) : existing + "\n";
        int end = at >= 0 ? existing.indexOf(marker, at + marker.length()) : -1;
        String tail = end >= 0 ? existing.substring(end + marker.length()) : "";
        Files.writeString(out, head + marker + "\n" + report + marker + tail);
    }

    private static Measurement measure(Variant v, Path demoJar, Path root, int seconds, int warmup, String mix)
            throws Exception {
        double ttm = timeToMain(v);
        List<String> args = new ArrayList<>(v.jvmArgs());
        args.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-jar", demoJar.toString(), "--port=0"));
        try (JavaProcess service = JavaProcess.start("service", args, Map.of())) {
            Matcher m = service.await("demo-service listening on port (\\d+)", Duration.ofSeconds(120));
            String url = "http://127.0.0.1:" + m.group(1);
            runLoad(demoJar, url, warmup, mix);
            long[] cpuBefore = cpuTicks(service.pid());
            String out = runLoad(demoJar, url, seconds, mix);
            long[] cpuAfter = cpuTicks(service.pid());
            long rss = rssKb(service.pid());
            Matcher r = RESULT.matcher(out);
            if (!r.find()) {
                throw new IllegalStateException("load generator printed no RESULT line:\n" + out);
            }
            double cpu = ((cpuAfter[0] + cpuAfter[1]) - (cpuBefore[0] + cpuBefore[1])) / 100.0;
            return new Measurement(v.name(), Double.parseDouble(r.group(3)), Double.parseDouble(r.group(4)),
                    Double.parseDouble(r.group(5)), rss, cpu, ttm);
        }
    }

    private static String runLoad(Path demoJar, String url, int seconds, String mix) throws Exception {
        try (JavaProcess load = JavaProcess.start("load", List.of("-cp", demoJar.toString(),
                "io.ebpfagent.demo.LoadGenerator", "--url=" + url, "--concurrency=8",
                "--duration=" + seconds + "s", "--mix=" + mix), Map.of())) {
            int code = load.waitFor(Duration.ofSeconds(seconds + 120L));
            if (code != 0) {
                throw new IllegalStateException("load generator failed (" + code + "):\n" + load.output());
            }
            return load.output();
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

    private static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])}; // utime, stime
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static String report(Map<String, List<Measurement>> results, int seconds, int warmup, int rounds,
                                 String mix) {
        Measurement base = median(results.values().iterator().next());
        StringBuilder b = new StringBuilder();
        b.append("## Agent overhead on the demo service (").append(LocalDate.now()).append(")\n\n");
        b.append("Reproduce: `./run bench` (").append(rounds).append(" interleaved rounds of ").append(warmup)
                .append(" s warm-up + ").append(seconds).append(" s closed-loop load, 8 connections, mix `")
                .append(mix).append("`; medians of the rounds; the agent exports to its Prometheus endpoint). Same machine, same run;")
                .append(" ratios against the baseline. `service CPU` is the service process's CPU time during the")
                .append(" measured load, agent threads included.\n\n");
        b.append("| variant | throughput (req/s) | vs baseline | p99 (ms) | vs baseline | service CPU (s) | RSS (MiB) | extra RSS (MiB) | time-to-main (ms) | added (ms) |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (var e : results.entrySet()) {
            Measurement m = median(e.getValue());
            b.append(String.format("| %s | %.1f | %.3f | %.2f | %.3f | %.2f | %.1f | %+.1f | %.0f | %+.0f |%n",
                    e.getKey(), m.rps(), m.rps() / base.rps(), m.p99(), m.p99() / base.p99(), m.cpuSeconds(),
                    m.rssKb() / 1024.0, (m.rssKb() - base.rssKb()) / 1024.0, m.timeToMainMs(),
                    m.timeToMainMs() - base.timeToMainMs()));
        }
        b.append("\nEvery round (the machine is shared; read the spread, not only the medians):\n\n");
        for (var e : results.entrySet()) {
            b.append("- ").append(e.getKey()).append(":");
            for (Measurement m : e.getValue()) {
                b.append(String.format(" %.1f req/s (p99 %.1f ms);", m.rps(), m.p99()));
            }
            b.append("\n");
        }
        b.append("\nGoals: < 3% throughput loss with default probes, < 150 ms added time-to-main, < 50 MiB extra RSS.\n");
        return b.toString();
    }

    private static Measurement median(List<Measurement> ms) {
        double[] rps = ms.stream().mapToDouble(Measurement::rps).sorted().toArray();
        double[] p50 = ms.stream().mapToDouble(Measurement::p50).sorted().toArray();
        double[] p99 = ms.stream().mapToDouble(Measurement::p99).sorted().toArray();
        long[] rss = ms.stream().mapToLong(Measurement::rssKb).sorted().toArray();
        double[] cpu = ms.stream().mapToDouble(Measurement::cpuSeconds).sorted().toArray();
        double[] ttm = ms.stream().mapToDouble(Measurement::timeToMainMs).sorted().toArray();
        int i = ms.size() / 2;
        return new Measurement(ms.getFirst().variant(), rps[i], p50[i], p99[i], rss[i], cpu[i], ttm[i]);
    }
}
