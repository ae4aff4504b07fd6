package io.ebpfagent.e2e.bench;

import io.ebpfagent.e2e.support.JavaProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How much the agent delays the start of the application it is attached to: a Jetty 12 server
 * ({@code LightServiceApp}) started in fresh JVMs without the agent, with it at
 * {@code agent.nice=10} and at {@code agent.nice=0} (the default), interleaved (the order reversed every other
 * round). Per JVM: the time from {@code ProcessBuilder.start} to the server's "listening" line,
 * and, with the agent, to the agent's "initialized" line. Prints the medians [min..max] as a
 * markdown table. Arguments: {@code [--rounds=N]} (default 9). Run as root from the repository
 * root after {@code ./run build} ({@code ./run bench-appstart}); see docs/benchmarks.md.
 */
public final class AppStartBenchmark {
    private static final String LISTENING = "light-app listening";
    private static final String INITIALIZED = "[ebpf-agent] INFO initialized in";

    private AppStartBenchmark() {
    }

    private record Variant(String name, boolean agent, Map<String, String> env) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 9;
        for (String a : args) {
            if (a.startsWith("--rounds=")) {
                rounds = Integer.parseInt(a.substring("--rounds=".length()));
            }
        }
        Path root = JavaProcess.repoRoot();
        Path agentJar = root.resolve("agent/target/ebpf-agent.jar");
        Path cpFile = root.resolve("e2e/target/test-classpath.txt");
        if (!Files.exists(agentJar) || !Files.exists(cpFile)) {
            throw new IllegalStateException("build first: ./run build (missing " + agentJar + " or " + cpFile + ")");
        }
        String cp = root.resolve("e2e/target/test-classes") + ":" + Files.readString(cpFile).strip();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Variant> variants = List.of(new Variant("no agent", false, Map.of()),
                new Variant("agent, `agent.nice=10`", true, Map.of("EBPF_AGENT_AGENT_NICE", "10")),
                new Variant("agent, `agent.nice=0` (default)", true, Map.of("EBPF_AGENT_AGENT_NICE", "0")));
        Map<String, List<Double>> listening = new LinkedHashMap<>();
        Map<String, List<Double>> initialized = new LinkedHashMap<>();
        System.out.println("load average before: " + StartupBenchmark.loadAverage());
        for (int r = 0; r < rounds; r++) {
            List<Variant> order = new ArrayList<>(variants);
            if (r % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (Variant v : order) {
                List<String> command = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED"));
                if (v.agent()) {
                    command.add("-javaagent:" + agentJar + "=exporter.kind=logging");
                }
                command.addAll(List.of("-Dapp.files=" + Files.createTempDirectory("appstart"), "-cp", cp,
                        "io.ebpfagent.e2e.apps.LightServiceApp"));
                double[] times = run(command, v.env(), v.agent());
                listening.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(times[0]);
                if (v.agent()) {
                    initialized.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(times[1]);
                }
                Thread.sleep(1000);
            }
            System.out.println("round " + (r + 1) + " done, load " + StartupBenchmark.loadAverage());
        }
        System.out.println("load average after: " + StartupBenchmark.loadAverage());
        System.out.println("| variant | server listening (ms after spawn) | agent initialized (ms after spawn) |");
        System.out.println("|---|---|---|");
        for (Variant v : variants) {
            System.out.println("| " + v.name() + " | " + summary(listening.get(v.name())) + " | "
                    + (v.agent() ? summary(initialized.get(v.name())) : "") + " |");
        }
    }

    /** Milliseconds from spawn to the listening line and (with the agent) to "initialized". */
    private static double[] run(List<String> command, Map<String, String> env, boolean agent) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        double listening = -1;
        double initialized = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
            String line;
            while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                double ms = (System.nanoTime() - t0) / 1e6;
                if (listening < 0 && line.contains(LISTENING)) {
                    listening = ms;
                }
                if (initialized < 0 && line.contains(INITIALIZED)) {
                    initialized = ms;
                }
                if (listening >= 0 && (!agent || initialized >= 0)) {
                    break;
                }
            }
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (listening < 0 || agent && initialized < 0) {
            throw new IllegalStateException("no listening/initialized line from " + command);
        }
        return new double[] {listening, initialized};
    }

    private static String summary(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format("%.0f [%.0f..%.0f]", v[v.length / 2], v[0], v[v.length - 1]);
    }
}
