package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.ExitTimes;
import io.ebpfagent.e2e.support.ExitTimes.How;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.otel.testing.OtlpGrpcReceiver;
import io.ebpfagent.otel.testing.OtlpReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How much the agent adds to a JVM's exit: {@code System.exit}, SIGTERM, {@code Runtime.halt} and
 * the end of main of {@link io.ebpfagent.e2e.apps.ExitApp}, without the agent and with it (default
 * probes) against an OTLP receiver that works, one that accepts and never answers, a refused port
 * and a host that does not exist on the local network (connects hang until the kernel gives up).
 * Every JVM runs {@code -Dbench.settle} seconds after the agent said it is initialized (default
 * 3 s with a 2 s export interval: a collection and an export have happened or are under way) before
 * it is ended. All variants run once per round, in turn, so that the machine's drift hits all alike;
 * the table has medians. Run with {@code ./run bench-exit}; rewrites its section of
 * docs/benchmarks.md ({@code -Dbench.write=false}: print only). {@code -Dbench.only=<regex>} keeps
 * the variants whose label it finds (the agent-less one always runs), {@code -Dbench.how=halt,exit}
 * the ways of ending that name one of those words, {@code -Dbench.debug} shows the agents' own
 * breakdown of their shutdown hook (DEBUG logging, which costs time of its own).
 */
public final class ExitTimeBenchmark {
    /** An address on this machine's own subnet that answers no ARP request is the usual choice. */
    /** {@code -Dbench.debug}: the agents log at DEBUG and their exit breakdown lines are echoed. */
    private static final boolean DEBUG = Boolean.getBoolean("bench.debug");
    private static final String UNREACHABLE = System.getProperty("bench.unreachable", "http://192.0.2.77:4317");

    private record Variant(String label, Path agentJar, Path config, Set<How> hows) {
        boolean agent() {
            return agentJar != null;
        }
    }

    private record Case(String variant, How how) {
    }

    private ExitTimeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String fromLog = System.getProperty("bench.fromLog");
        if (fromLog != null) {
            rewriteFromLog(Path.of(fromLog), Duration.ofSeconds(Long.getLong("bench.settle", 3)));
            return;
        }
        int rounds = Integer.getInteger("bench.rounds", 5);
        Duration settle = Duration.ofSeconds(Long.getLong("bench.settle", 3));
        Path root = JavaProcess.repoRoot();
        Map<Case, List<Double>> results = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Set<String> probeLines = new TreeSet<>();
        double[] load = {Double.MAX_VALUE, 0};
        try (OtlpGrpcReceiver grpc = OtlpGrpcReceiver.start(); OtlpReceiver http = OtlpReceiver.start();
             ExitTimes.SilentServer silent = new ExitTimes.SilentServer()) {
            Path jar = AgentJvm.agentJar();
            Set<How> all = EnumSet.allOf(How.class);
            List<Variant> variants = new ArrayList<>();
            variants.add(new Variant("no agent", null, null, all));
            variants.add(new Variant("agent, OTLP gRPC receiver", jar, otlp(grpc.endpoint(), "grpc"), all));
            variants.add(new Variant("agent, OTLP http/protobuf receiver", jar, otlp(http.endpoint(), "http/protobuf"), all));
            variants.add(new Variant("agent, logging exporter", jar,
                    AgentJvm.writeConfig("exporter:\n  kind: [logging]\n  interval: 2s\n"), EnumSet.of(How.EXIT)));
            variants.add(new Variant("agent, OTLP gRPC never answers", jar, otlp(silent.endpoint(), "grpc"), all));
            variants.add(new Variant("agent, OTLP http/protobuf never answers", jar,
                    otlp(silent.endpoint(), "http/protobuf"), all));
            variants.add(new Variant("agent, OTLP gRPC refused port", jar, otlp(ExitTimes.refusedEndpoint(), "grpc"),
                    all));
            variants.add(new Variant("agent, OTLP gRPC unreachable host", jar, otlp(UNREACHABLE, "grpc"), all));
            variants.add(new Variant("agent, OTLP http/protobuf unreachable host", jar,
                    otlp(UNREACHABLE.replace(":4317", ":4318"), "http/protobuf"), EnumSet.of(How.EXIT, How.SIGTERM)));
            // optionally the same against another build of the agent (e.g. the one before a change)
            String compareJar = System.getProperty("bench.compareJar");
            if (compareJar != null) {
                String label = System.getProperty("bench.compareLabel", "other agent jar");
                variants.add(new Variant(label + ", OTLP gRPC receiver", Path.of(compareJar),
                        otlp(grpc.endpoint(), "grpc"), all));
                variants.add(new Variant(label + ", OTLP gRPC never answers", Path.of(compareJar),
                        otlp(silent.endpoint(), "grpc"), all));
            }
            String only = System.getProperty("bench.only");
            if (only != null) {
                java.util.regex.Pattern keep = java.util.regex.Pattern.compile(only);
                variants.removeIf(v -> v.agent() && !keep.matcher(v.label()).find());
            }
            List<How> hows = new ArrayList<>(List.of(How.values()));
            String howFilter = System.getProperty("bench.how");
            if (howFilter != null) {
                List<String> words = List.of(howFilter.toLowerCase(Locale.ROOT).split(","));
                hows.removeIf(h -> words.stream().noneMatch(w -> h.label.toLowerCase(Locale.ROOT).contains(w.trim())));
            }
            for (int round = 1; round <= rounds; round++) {
                for (How how : hows) {
                    for (Variant v : variants) {
                        if (!v.hows().contains(how)) {
                            continue;
                        }
                        double before = loadAverage();
                        ExitTimes.Result r = ExitTimes.measure(v.agent() ? List.of(AgentJvm.javaagent(v.agentJar(),
                                v.config()), "--enable-native-access=ALL-UNNAMED") : List.of(), v.agent(), settle, how);
                        load[0] = Math.min(load[0], before);
                        load[1] = Math.max(load[1], loadAverage());
                        System.out.printf(Locale.ROOT, "round %d %-44s %-13s %6.0f ms (exit code %d, load %.1f)%n",
                                round, v.label(), how.label, r.millis(), r.exitCode(), before);
                        record(v, how, r, notes, probeLines);
                        results.computeIfAbsent(new Case(v.label(), how), k -> new ArrayList<>()).add(r.millis());
                    }
                }
            }
        }
        write(report(results, rounds, settle, load, probeLines, notes), root);
    }

    /**
     * The table again from the progress lines of an interrupted run's output ({@code round N
     * <variant> <how> <ms> ms (exit code C, load L)}), with the rounds that completed for each row.
     */
    private static void rewriteFromLog(Path log, Duration settle) throws Exception {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "round (\\d+) (.+?)\\s+(System\\.exit|SIGTERM|Runtime\\.halt|end of main)\\s+(\\d+) ms \\(exit code (-?\\d+), load ([\\d.]+)\\)");
        Map<Case, List<Double>> results = new LinkedHashMap<>();
        double[] load = {Double.MAX_VALUE, 0};
        int rounds = 0;
        List<String> notes = new ArrayList<>();
        notes.add("rendered from the progress lines of " + log.getFileName() + ": exit codes checked, stack traces not");
        for (String l : Files.readAllLines(log)) {
            java.util.regex.Matcher m = line.matcher(l);
            if (!m.find()) {
                continue;
            }
            How how = java.util.Arrays.stream(How.values()).filter(h -> h.label.equals(m.group(3))).findFirst().orElseThrow();
            rounds = Math.max(rounds, Integer.parseInt(m.group(1)));
            double loadNow = Double.parseDouble(m.group(6));
            load[0] = Math.min(load[0], loadNow);
            load[1] = Math.max(load[1], loadNow);
            int expected = how == How.SIGTERM ? 143 : 0;
            if (Integer.parseInt(m.group(5)) != expected) {
                notes.add(m.group(2).trim() + ", " + how.label + ": exit code " + m.group(5));
            }
            results.computeIfAbsent(new Case(m.group(2).trim(), how), k -> new ArrayList<>())
                    .add(Double.parseDouble(m.group(4)));
        }
        write(report(results, rounds, settle, load, Set.of(), notes), JavaProcess.repoRoot());
    }

    private static void write(String report, Path root) throws Exception {
        System.out.println(report);
        if (Boolean.parseBoolean(System.getProperty("bench.write", "true"))) {
            BenchmarksDoc.writeSection(root, "<!-- exit-benchmark -->", report);
        }
    }

    /** What the table cannot show: a changed exit code, a stack trace, the agent's lines at exit. */
    private static void record(Variant v, How how, ExitTimes.Result r, List<String> notes, Set<String> probeLines) {
        int expected = how == How.SIGTERM ? 143 : 0;
        if (r.exitCode() != expected) {
            notes.add(v.label() + ", " + how.label + ": exit code " + r.exitCode() + " (expected " + expected + ")");
        }
        if (r.output().stream().anyMatch(l -> l.startsWith("\tat "))) {
            notes.add(v.label() + ", " + how.label + ": a stack trace was printed");
        }
        for (String line : r.output()) {
            int at = line.indexOf("kernel probes running: ");
            if (at >= 0) {
                probeLines.add(line.substring(at));
            }
            if (Boolean.getBoolean("bench.echo") && (line.contains("WARN") || line.contains("ERROR"))
                    || DEBUG && (line.contains("closed at exit") || line.contains("shutdown hook took")
                    || line.contains("exporters shut down in"))) {
                System.out.println("    " + line);
            }
        }
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private static Path otlp(String endpoint, String protocol) throws Exception {
        return AgentJvm.writeConfig((DEBUG ? "agent:\n  log_level: debug\n" : "")
                + "exporter:\n  kind: [otlp]\n  interval: 2s\n  otlp:\n    endpoint: " + endpoint
                + "\n    protocol: " + protocol + "\n");
    }

    private static String report(Map<Case, List<Double>> results, int rounds, Duration settle, double[] load,
                                 Set<String> probeLines, List<String> notes) {
        StringBuilder b = new StringBuilder();
        b.append("## Exit time (").append(LocalDate.now()).append(")\n\n");
        b.append(String.format(Locale.ROOT, "`./run bench-exit`: %d rounds (column \"runs\": how many of them this row completed), each JVM ended %d s after the agent said it "
                + "was initialized; export interval 2 s; `exporter.shutdown_timeout` 150 ms (default); 2 vCPUs shared with "
                + "other builds and tests, 1-minute load average %.1f to %.1f during the run. Time from the "
                + "`System.exit`/`Runtime.halt` call, the return from main or the SIGTERM until the parent has reaped the "
                + "process, in ms: median, min-max; \"added\" is the median minus the median without the agent ended the "
                + "same way, in the same run.\n\n", rounds, settle.toSeconds(), load[0], load[1]));
        for (String line : probeLines) {
            b.append("Probes: `").append(line).append("`\n\n");
        }
        b.append("| JVM | ended by | runs | median | min-max | added |\n|---|---|---:|---:|---:|---:|\n");
        for (How how : How.values()) {
            for (Map.Entry<Case, List<Double>> e : results.entrySet()) {
                if (e.getKey().how() != how) {
                    continue;
                }
                List<Double> v = e.getValue();
                double median = ExitTimes.median(v);
                List<Double> base = results.get(new Case("no agent", how));
                String added = e.getKey().variant().equals("no agent") || base == null ? ""
                        : ExitTimes.ms(median - ExitTimes.median(base));
                b.append("| ").append(e.getKey().variant()).append(" | ").append(how.label).append(" | ")
                        .append(v.size()).append(" | ").append(ExitTimes.ms(median)).append(" | ")
                        .append(ExitTimes.ms(v.stream().mapToDouble(Double::doubleValue).min().orElse(0))).append("-")
                        .append(ExitTimes.ms(v.stream().mapToDouble(Double::doubleValue).max().orElse(0))).append(" | ")
                        .append(added).append(" |\n");
            }
        }
        b.append('\n');
        if (notes.isEmpty()) {
            b.append("Every JVM ended with the exit code it has without the agent (0, SIGTERM 143) and printed no stack "
                    + "trace.\n\n");
        } else {
            for (String note : notes) {
                b.append("- ").append(note).append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }
}
