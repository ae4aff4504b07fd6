package io.ebpfagent.loader.sys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU counts as the kernel's BPF code sees them. Per-CPU maps store one value per
 * <em>possible</em> CPU (not online, not available to the JVM), so their buffers are sized from
 * {@code /sys/devices/system/cpu/possible}.
 */
public final class Cpus {
    private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");
    private static volatile int possible;

    private Cpus() {
    }

    /** The number of possible CPUs: the highest possible CPU number plus one. */
    public static int possible() {
        int n = possible;
        if (n == 0) {
            n = count(read(POSSIBLE));
            possible = n;
        }
        return n;
    }

    /** The online CPUs, e.g. {@code [0, 1]}. */
    public static int[] online() {
        return list(read(ONLINE));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /**
     * The count a CPU list such as {@code 0-3,5} stands for when the kernel sizes per-CPU
     * storage: the highest listed CPU plus one.
     */
    static int count(String list) {
        int[] cpus = list(list);
        return cpus.length == 0 ? 0 : cpus[cpus.length - 1] + 1;
    }

    /** Parses a kernel CPU list ({@code 0-3,5,7-8}). */
    static int[] list(String list) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                out.add(Integer.parseInt(part));
            } else {
                int from = Integer.parseInt(part.substring(0, dash));
                int to = Integer.parseInt(part.substring(dash + 1));
                for (int c = from; c <= to; c++) {
                    out.add(c);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
