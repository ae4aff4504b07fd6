package io.ebpfagent.e2e.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cold starts of the agent with its default configuration, measured from outside the JVM: each
 * round starts one JVM running {@link IdleMain} without the agent and one with it (interleaved),
 * watches the agent's stderr, and at the line "kernel probes attached" reads every thread's CPU
 * time from {@code /proc/<pid>/task/<tid>/stat}. The agent's CPU is the process's CPU at that
 * moment minus the CPU of the agent-less JVM of the same round once its main has run (which it
 * then keeps: an idle JVM spends nothing more). Wall times: from {@code ProcessBuilder.start}
 * to the line, and the agent's own "N ms after JVM start" (process age from procfs).
 *
 * <p>With {@code --debug} the agent runs at {@code agent.log_level=debug} and the per-probe phase
 * lines are collected too (debug logging costs a little: use it for the phases, not the totals).
 * Arguments: {@code [--rounds=N] [--debug] [--agent=<jar>] [--compare=<other agent jar>] [--floor]
 * [--jvm-arg=<option>]...}; with {@code --compare} each round also runs the other jar (e.g. an
 * earlier build), compared at the line both versions log, "kernel probes running"; with
 * {@code --floor} also a JVM that only makes the FFM linker's first downcall
 * ({@link FirstDowncallMain}) and one with a {@code -javaagent} whose premain does nothing
 * ({@link EmptyAgent}), measured as the baseline is; {@code --jvm-arg} options go to the
 * agent JVMs only (e.g. to see what a JVM-wide setting would change). Run as root from the repository root after
 * {@code mvn -DskipTests package}. See docs/benchmarks.md, "Agent startup".
 */
public final class StartupBenchmark {
    private static final Pattern ATTACHED = Pattern.compile(
            "kernel probes attached in ([0-9.]+) ms \\((-?[0-9]+) ms after JVM start\\)");
    /** Since the exporters are set up after the probes: their own line (before, the attach line's tail). */
    private static final Pattern EXPORTERS = Pattern.compile(
            "exporters ready in ([0-9.]+) ms|exporters ready ([0-9.]+) ms after that");
    private static final Pattern PREMAIN = Pattern.compile("premain took ([0-9.]+) ms \\(began (-?[0-9]+) ms after JVM start\\)");
    private static final Pattern STARTED = Pattern.compile("kernel probes started in ([0-9.]+) ms");
    private static final Pattern PROBE = Pattern.compile("probe (\\w+) started in ([0-9.]+) ms: (.*)");
    private static final Pattern PHASE = Pattern.compile("(\\w[\\w ]*?) ([0-9.]+)");
    private static final long TICK_MS = 10; // USER_HZ 100

    private StartupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        boolean debug = false;
        String compareJar = null;
        String agentArg = null;
        List<String> jvmArgs = new ArrayList<>();
        boolean floor = false;
        for (String a : args) {
            if (a.startsWith("--rounds=")) {
                rounds = Integer.parseInt(a.substring(9));
            } else if (a.equals("--debug")) {
                debug = true;
            } else if (a.startsWith("--agent=")) {
                agentArg = a.substring(8);
            } else if (a.startsWith("--compare=")) {
                compareJar = a.substring(10);
            } else if (a.equals("--floor")) {
                floor = true; // also a JVM that only makes its first FFM downcall, against the baseline
            } else if (a.startsWith("--jvm-arg=")) {
                jvmArgs.add(a.substring(10)); // given to the agent JVMs only, e.g. to switch a JVM cost off
            }
        }
        Path root = Path.of("").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String agentJar = agentArg != null ? agentArg : root.resolve("agent/target/ebpf-agent.jar").toString();
        String cp = Path.of(StartupBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Map<String, List<Double>> values = new LinkedHashMap<>();
        System.out.println("load average before: " + loadAverage());
        for (int r = 0; r < rounds; r++) {
            Run base = run(List.of(java, "-cp", cp, IdleMain.class.getName(), "4000"), false);
            add(values, "spawn -> main says 'ready', no agent (ms)", base.readyMillis);
            if (floor) {
                Run ffm = run(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                        FirstDowncallMain.class.getName(), "4000"), false);
                add(values, "first FFM downcall alone: cpu over the baseline JVM (ms)", ffm.cpuAtMark - base.cpuAtMark);
                Run empty = run(List.of(java, "-javaagent:" + emptyAgentJar(), "-cp", cp, IdleMain.class.getName(),
                        "4000"), false);
                add(values, "a do-nothing -javaagent: cpu over the baseline JVM (ms)", empty.cpuAtMark - base.cpuAtMark);
                add(values, "spawn -> main says 'ready', a do-nothing -javaagent (ms)", empty.readyMillis);
            }
            List<String> withAgent = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                    "-javaagent:" + agentJar + (debug ? "=agent.log_level=debug" : ""), "-cp", cp,
                    IdleMain.class.getName(), "60000"));
            withAgent.addAll(1, jvmArgs);
            Run agent = run(withAgent, true);
            if (compareJar != null) {
                List<String> other = new ArrayList<>(withAgent);
                other.set(2 + jvmArgs.size(), "-javaagent:" + compareJar + (debug ? "=agent.log_level=debug" : ""));
                Run old = run(other, true);
                add(values, "compared jar: spawn -> 'kernel probes running' line, wall (ms)", old.runningMillis);
                add(values, "compared jar: agent cpu at 'kernel probes running' (ms)", old.cpuAtRunning - base.cpuAtMark);
                add(values, "compared jar: agent cpu at 'initialized' (ms)", old.cpuAtEnd - base.cpuAtMark);
                add(values, "compared jar: 'kernel probes started in' (ms)",
                        old.parsed.getOrDefault("'kernel probes started in' (ms)", -1.0));
                add(values, "compared jar: attached after JVM start (ms)",
                        old.parsed.getOrDefault("attached after JVM start (ms)", -1.0));
                add(values, "compared jar: agent cpu at attach (ms)", old.cpuAtMark - base.cpuAtMark);
                add(values, "compared jar: premain began after JVM start (ms)",
                        old.parsed.getOrDefault("premain began after JVM start (ms)", -1.0));
                add(values, "compared jar: premain (ms)", old.parsed.getOrDefault("premain (ms)", -1.0));
                add(values, "compared jar: main thread cpu at attach (ms)", old.threadsAtMark.getOrDefault("main", -1L));
                System.out.printf("round %d, compared jar: running %d ms after spawn, agent cpu %d ms%n", r + 1,
                        old.runningMillis, old.cpuAtRunning - base.cpuAtMark);
            }
            add(values, "spawn -> 'kernel probes running' line, wall (ms)", agent.runningMillis);
            add(values, "agent cpu at 'kernel probes running' (ms)", agent.cpuAtRunning - base.cpuAtMark);
            add(values, "baseline JVM cpu (ms)", base.cpuAtMark);
            add(values, "agent JVM cpu at attach (ms)", agent.cpuAtMark);
            add(values, "agent cpu at attach = difference (ms)", agent.cpuAtMark - base.cpuAtMark);
            add(values, "agent JVM cpu at 'initialized' (ms)", agent.cpuAtEnd);
            add(values, "agent cpu at 'initialized' = difference (ms)", agent.cpuAtEnd - base.cpuAtMark);
            add(values, "spawn -> 'attached' line, wall (ms)", agent.markMillis);
            add(values, "spawn -> main says 'ready', this agent (ms)", agent.readyMillis);
            for (Map.Entry<String, Double> e : agent.parsed.entrySet()) {
                add(values, e.getKey(), e.getValue());
            }
            for (Map.Entry<String, Long> e : agent.threadsAtMark.entrySet()) {
                add(values, "threads at attach: " + e.getKey() + " cpu (ms)", e.getValue());
            }
            System.out.printf("round %d: attached %.0f ms after JVM start, agent cpu %d ms (JVM %d - baseline %d); load %s%n",
                    r + 1, agent.parsed.getOrDefault("attached after JVM start (ms)", -1.0),
                    agent.cpuAtMark - base.cpuAtMark, agent.cpuAtMark, base.cpuAtMark, loadAverage());
        }
        System.out.println("load average after: " + loadAverage());
        System.out.println("| measure | median | min | max |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, List<Double>> e : values.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("| %s | %.1f | %.1f | %.1f |%n", e.getKey(), v[v.length / 2], v[0], v[v.length - 1]);
        }
    }

    private static void add(Map<String, List<Double>> values, String key, double v) {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }

    private record Run(long cpuAtMark, long cpuAtEnd, long markMillis, Map<String, Long> threadsAtMark,
                       Map<String, Double> parsed, long runningMillis, long cpuAtRunning, long readyMillis) {
    }

    /** A jar whose manifest names {@link EmptyAgent} (found on the class path), made once. */
    private static String emptyAgentJar() throws IOException {
        if (emptyAgentJar == null) {
            Path jar = Files.createTempFile("empty-agent", ".jar");
            jar.toFile().deleteOnExit();
            java.util.jar.Manifest manifest = new java.util.jar.Manifest();
            manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().putValue("Premain-Class", EmptyAgent.class.getName());
            try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar),
                    manifest)) {
                out.flush();
            }
            emptyAgentJar = jar.toString();
        }
        return emptyAgentJar;
    }

    private static String emptyAgentJar;

    /**
     * Runs the command; the mark is the agent's "attached" line (with the agent) or the
     * application's "ready" plus 300 ms (without); the end, "initialized in" (or the mark).
     */
    private static Run run(List<String> command, boolean agent) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        long pid = p.pid();
        Map<String, Double> parsed = new LinkedHashMap<>();
        long cpuAtMark = -1;
        long cpuAtEnd = -1;
        long markMillis = -1;
        Map<String, Long> threadsAtMark = Map.of();
        long runningMillis = -1;
        long cpuAtRunning = -1;
        long readyMillis = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                if (line.equals("ready") && readyMillis < 0) {
                    readyMillis = (System.nanoTime() - t0) / 1_000_000; // the application's main runs
                }
                if (!agent && line.equals("ready")) {
                    Thread.sleep(300);
                    cpuAtMark = cpuEnd(pid, null);
                    cpuAtEnd = cpuAtMark;
                    break;
                }
                Matcher m;
                if ((m = ATTACHED.matcher(line)).find()) {
                    markMillis = (System.nanoTime() - t0) / 1_000_000;
                    threadsAtMark = new TreeMap<>();
                    cpuAtMark = cpuEnd(pid, threadsAtMark);
                    parsed.put("probes attached, from component start (ms)", Double.parseDouble(m.group(1)));
                    parsed.put("attached after JVM start (ms)", Double.parseDouble(m.group(2)));
                    Matcher e = EXPORTERS.matcher(line);
                    if (e.find()) {
                        parsed.put("exporters ready after attach (ms)", Double.parseDouble(e.group(2)));
                    }
                } else if ((m = EXPORTERS.matcher(line)).find()) {
                    parsed.put("exporters ready after attach (ms)", Double.parseDouble(m.group(1)));
                } else if ((m = PREMAIN.matcher(line)).find()) {
                    parsed.put("premain began after JVM start (ms)", Double.parseDouble(m.group(2)));
                    parsed.put("premain (ms)", Double.parseDouble(m.group(1)));
                } else if ((m = PROBE.matcher(line)).find()) {
                    parsed.put("probe " + m.group(1) + " total (ms)", Double.parseDouble(m.group(2)));
                    Matcher ph = PHASE.matcher(m.group(3));
                    while (ph.find()) {
                        parsed.put("probe " + m.group(1) + " " + ph.group(1).trim() + " (ms)", Double.parseDouble(ph.group(2)));
                    }
                } else if (line.contains("INFO kernel probes running:")) {
                    // logged by every version once the probes and the exporters run
                    runningMillis = (System.nanoTime() - t0) / 1_000_000;
                    cpuAtRunning = cpuEnd(pid, null);
                    if (cpuAtMark < 0) {
                        cpuAtMark = cpuAtRunning;
                        markMillis = runningMillis;
                    }
                } else if ((m = STARTED.matcher(line)).find()) {
                    parsed.put("'kernel probes started in' (ms)", Double.parseDouble(m.group(1)));
                } else if (line.contains("INFO initialized in")) {
                    cpuAtEnd = cpuEnd(pid, null);
                    break;
                } else if (line.contains("WARN") || line.contains("ERROR")) {
                    System.out.println("  " + line);
                }
            }
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (cpuAtMark < 0) {
            throw new IllegalStateException("no mark line from " + command);
        }
        return new Run(cpuAtMark, cpuAtEnd, markMillis, threadsAtMark, parsed, runningMillis, cpuAtRunning,
                readyMillis);
    }

    /** utime + stime of every thread of {@code pid} in ms; per folded thread name into {@code byName} if given. */
    private static long cpuEnd(long pid, Map<String, Long> byName) throws IOException {
        // the process's line counts its exited threads too (the exporters' setup thread ends early)
        String own = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] pf = own.substring(own.lastIndexOf(')') + 2).split(" ");
        long total = (Long.parseLong(pf[11]) + Long.parseLong(pf[12])) * TICK_MS;
        long live = 0;
        File[] tasks = new File("/proc/" + pid + "/task").listFiles();
        if (tasks == null) {
            return -1;
        }
        for (File t : tasks) {
            String stat;
            try {
                stat = Files.readString(new File(t, "stat").toPath());
            } catch (IOException gone) {
                continue; // the thread exited between the listing and the read
            }
            String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ms = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_MS;
            live += ms;
            if (byName != null) {
                byName.merge(fold(comm), ms, Long::sum);
            }
        }
        if (byName != null) {
            byName.put("(exited threads)", Math.max(0, total - live));
        }
        return total;
    }

    private static String fold(String comm) {
        if (comm.startsWith("C1 Comp") || comm.startsWith("C2 Comp")) {
            return comm.substring(0, 2) + " compiler";
        }
        if (comm.startsWith("ebpf-agent")) {
            return comm;
        }
        if (comm.equals("java")) {
            return "main";
        }
        if (comm.startsWith("GC") || comm.startsWith("G1")) {
            return "GC";
        }
        return Arrays.asList("Reference Handl", "Finalizer", "Signal Dispatch", "Common-Cleaner", "VM Thread")
                .contains(comm) ? "JVM" : "other: " + comm.replaceAll("[0-9]+", "#");
    }

    /** The line of {@code /proc/loadavg}, or "?". */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
