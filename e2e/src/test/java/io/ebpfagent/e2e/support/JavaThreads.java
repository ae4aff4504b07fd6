package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The thread names a child JVM itself reports ({@code jcmd <pid> Thread.print}). */
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
}
