package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a child JVM itself reports through {@code jcmd}: its thread names ({@code Thread.print}) and
 * its JIT compilation count ({@code PerfCounter.print}).
 */
public final class JavaThreads {
    private static final Pattern HEADER = Pattern.compile("^\"(.*)\" ", Pattern.MULTILINE);

    private JavaThreads() {
    }

    /** Names of the JVM's threads, Java and internal (GC, VM, compiler), as of now. */
    public static Set<String> names(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " Thread.print failed: " + out);
        }
        Set<String> names = new TreeSet<>();
        Matcher m = HEADER.matcher(out);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * Compilations the JVM finished, successful and failed: {@code sun.ci.totalCompiles +
     * sun.ci.totalBailouts} of its performance counters (hsperfdata).
     */
    public static long compilations(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "PerfCounter.print")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " PerfCounter.print failed: " + out);
        }
        long n = 0;
        int found = 0;
        for (String line : out.split("\n")) {
            if (line.startsWith("sun.ci.totalCompiles=") || line.startsWith("sun.ci.totalBailouts=")) {
                n += Long.parseLong(line.substring(line.indexOf('=') + 1).strip());
                found++;
            }
        }
        if (found != 2) {
            throw new IOException("no compilation counters in jcmd " + pid + " PerfCounter.print: " + out);
        }
        return n;
    }
}
