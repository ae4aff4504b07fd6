package io.ebpfagent.e2e.apps;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The workload of {@code JvmHooksBenchmark}: what fires the JVM's USDT probes, with no request
 * path around it. Commands on stdin, one result line each on stdout:
 * <ul>
 * <li>{@code gc <millis>}: allocates short-lived 256-byte arrays for that long (young
 * collections only, with a small young generation) and prints
 * {@code gc <young collections> <their total time in ms>} from the collector's MXBean;</li>
 * <li>{@code classes <n>}: loads (without initialising) the next {@code n} classes of
 * {@code javax.swing} that nothing here loaded before and prints {@code classes <loaded> <ms>}.</li>
 * </ul>
 * Prints {@code ready} first; ends at end of input.
 */
public final class JvmEventsApp {
    static volatile Object sink;

    private JvmEventsApp() {
    }

    public static void main(String[] args) throws Exception {
        List<String> swing = swingClasses();
        int next = 0;
        GarbageCollectorMXBean young = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(b -> b.getName().contains("Young")).findFirst().orElseThrow();
        System.out.println("ready");
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] w = line.trim().split(" ");
            if (w[0].equals("gc")) {
                long count = young.getCollectionCount();
                long time = young.getCollectionTime();
                allocate(Long.parseLong(w[1]));
                System.out.println("gc " + (young.getCollectionCount() - count) + " "
                        + (young.getCollectionTime() - time));
            } else if (w[0].equals("classes")) {
                int n = Math.min(Integer.parseInt(w[1]), swing.size() - next);
                long t0 = System.nanoTime();
                int loaded = 0;
                for (String c : swing.subList(next, next + n)) {
                    try {
                        Class.forName(c, false, JvmEventsApp.class.getClassLoader());
                        loaded++;
                    } catch (ClassNotFoundException | LinkageError e) {
                        // not loadable here
                    }
                }
                next += n;
                System.out.println("classes " + loaded + " " + (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }

    private static void allocate(long millis) {
        Object[] keep = new Object[4096];
        long end = System.nanoTime() + millis * 1_000_000L;
        for (int i = 0; System.nanoTime() < end; i++) {
            byte[] b = new byte[256];
            keep[i & 4095] = b;
            sink = b;
        }
    }

    private static List<String> swingClasses() throws Exception {
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        Path root = jrt.getPath("/modules/java.desktop");
        try (var paths = Files.walk(root)) {
            return paths.map(p -> root.relativize(p).toString())
                    .filter(n -> n.startsWith("javax/swing/") && n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .sorted().toList();
        }
    }
}
