package io.ebpfagent.loader.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the 7 probe objects in a fresh JVM ({@link ColdLoad}) and with {@code bpftool prog loadall}
 * (one process per object, pinned under a scratch bpffs directory removed at once), alternately,
 * round after round, and reports medians. Both load maps, BTF and every program (the verifier
 * included) and attach nothing.
 */
final class ColdLoadComparison {
    static final List<String> OBJECTS = List.of("sched", "syscalls", "io", "net", "faults", "jvm", "profile");
    private static final Pattern TOTAL = Pattern.compile("^COLD_TOTAL (\\d+) (\\d+)$", Pattern.MULTILINE);

    private ColdLoadComparison() {
    }

    /** Runs {@code rounds} rounds and returns the Markdown section. */
    static String run(Path root, int rounds) throws Exception {
        List<Path> objects = new ArrayList<>();
        for (String o : OBJECTS) {
            objects.add(root.resolve("probes/src/main/resources/io/ebpfagent/probes/bpf/" + o + ".bpf.o"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<Double> javaLoad = new ArrayList<>(), javaProcess = new ArrayList<>(), javaCpu = new ArrayList<>();
        List<Double> bpftool = new ArrayList<>(), ratios = new ArrayList<>();
        List<Double> javaChildCpu = new ArrayList<>(), bpftoolCpu = new ArrayList<>(), cpuRatios = new ArrayList<>();
        List<Double> cachedLoad = new ArrayList<>(), cachedCpu = new ArrayList<>(), cachedRatios = new ArrayList<>();
        Path cacheDir = Files.createTempDirectory("ebpf-btf-index");
        Files.setPosixFilePermissions(cacheDir, PosixFilePermissions.fromString("rwx------"));
        List<String> cached = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Debpf.btf.cache=" + cacheDir, "-cp", cp, ColdLoad.class.getName()));
        objects.forEach(o -> cached.add(o.toString()));
        exec(cached); // writes the index the measured runs read
        String loadBefore = loadAverage();
        for (int r = 0; r < rounds; r++) {
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                    ColdLoad.class.getName()));
            objects.forEach(o -> cmd.add(o.toString()));
            long s = System.nanoTime();
            long c = childrenCpuMillis();
            String out = exec(cmd);
            double process = (System.nanoTime() - s) / 1e6;
            javaChildCpu.add((double) (childrenCpuMillis() - c));
            Matcher m = TOTAL.matcher(out);
            if (!m.find()) throw new IllegalStateException("cold load failed:\n" + out);
            double b = 0;
            long bc = childrenCpuMillis();
            for (Path o : objects) {
                b += bpftoolLoad(o);
            }
            bpftoolCpu.add((double) (childrenCpuMillis() - bc));
            long cc = childrenCpuMillis();
            String cachedOut = exec(cached);
            Matcher mc = TOTAL.matcher(cachedOut);
            if (!mc.find() || !cachedOut.contains("COLD_INDEX read from ")) {
                throw new IllegalStateException("cold load with the index cache failed or did not read it:\n" + cachedOut);
            }
            cachedLoad.add(Double.parseDouble(mc.group(1)));
            cachedCpu.add((double) (childrenCpuMillis() - cc));
            cachedRatios.add(cachedCpu.getLast() / Math.max(10, bpftoolCpu.getLast()));
            javaLoad.add(Double.parseDouble(m.group(1)));
            javaCpu.add(Double.parseDouble(m.group(2)));
            javaProcess.add(process);
            bpftool.add(b);
            ratios.add(Double.parseDouble(m.group(1)) / b);
            cpuRatios.add(javaChildCpu.getLast() / Math.max(10, bpftoolCpu.getLast()));
            System.out.printf(Locale.ROOT, "=== cold load round %d/%d: Java %s ms (process %.0f ms, cpu %.0f ms), bpftool %.0f ms (cpu %.0f ms), Java with the BTF index cache %s ms (cpu %.0f ms)%n",
                    r + 1, rounds, m.group(1), process, javaChildCpu.getLast(), b, bpftoolCpu.getLast(), mc.group(1),
                    cachedCpu.getLast());
        }
        removePins(cacheDir);
        return String.format(Locale.ROOT, """

                Cold load of the 7 probe objects (%s; no attach), %d rounds alternating a fresh JVM (`ColdLoad`)
                and `bpftool prog loadall` per object; medians [min..max]; load average %s before, %s after:

                | | ms |
                |---|---|
                | Java: first parse to last load, in the JVM | %s |
                | Java: whole process (JVM start and exit included) | %s |
                | Java: process CPU at the end of the loads (all threads, JIT included) | %s |
                | Java: process CPU, whole process (JVM start and exit included) | %s |
                | bpftool: sum of the 7 processes, wall | %s |
                | bpftool: CPU of the 7 processes | %s |
                | Java load / bpftool, wall, per round | %s |
                | Java process / bpftool, CPU, per round | %s |
                | Java, kernel BTF index read from `Btf.cacheKernelIndexIn`: first parse to last load | %s |
                | Java, kernel BTF index read from `Btf.cacheKernelIndexIn`: process CPU, whole process | %s |
                | Java with the index / bpftool, CPU, per round | %s |

                CPU is user + system time of the child processes (`/proc/self/stat` cutime + cstime
                around each, 10 ms ticks), the kernel's verifier included on both sides; on a loaded
                machine it is the steadier of the two comparisons.
                """, String.join(", ", OBJECTS), rounds, loadBefore, loadAverage(), stats(javaLoad),
                stats(javaProcess), stats(javaCpu), stats(javaChildCpu), stats(bpftool), stats(bpftoolCpu),
                ratioStats(ratios), ratioStats(cpuRatios), stats(cachedLoad), stats(cachedCpu), ratioStats(cachedRatios));
    }

    /** Wall milliseconds of one {@code bpftool prog loadall}, the pins removed afterwards. */
    private static double bpftoolLoad(Path object) throws Exception {
        Path pins = Path.of("/sys/fs/bpf/ebpf-agent-cold-load-" + ProcessHandle.current().pid());
        removePins(pins);
        long s = System.nanoTime();
        String out = exec(List.of("bpftool", "prog", "loadall", object.toString(), pins.toString()));
        double ms = (System.nanoTime() - s) / 1e6;
        removePins(pins);
        if (!out.isBlank() && out.contains("Error")) throw new IllegalStateException("bpftool failed on " + object + ":\n" + out);
        return ms;
    }

    private static void removePins(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        if (p.exitValue() != 0) throw new IllegalStateException("exit " + p.exitValue() + ": " + cmd + "\n" + out);
        return out;
    }

    private static String stats(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "%.0f [%.0f..%.0f]", s[s.length / 2], s[0], s[s.length - 1]);
    }

    private static String ratioStats(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "%.2f [%.2f..%.2f]", s[s.length / 2], s[0], s[s.length - 1]);
    }

    /** User + system CPU of this process's waited-for children so far, in ms (USER_HZ 100). */
    private static long childrenCpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10; // fields 16 and 17: cutime, cstime
    }

    private static String loadAverage() {
        try {
            String l = Files.readString(Path.of("/proc/loadavg"));
            return l.substring(0, l.indexOf(' '));
        } catch (IOException e) {
            return "?";
        }
    }
}
