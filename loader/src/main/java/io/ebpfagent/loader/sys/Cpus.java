package io.ebpfagent.loader.sys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's CPU lists ({@code /sys/devices/system/cpu/possible} and {@code online}), in its
 * list format ({@code 0-3,5,7-8}). Per-CPU maps are sized by the possible CPUs; perf rings and
 * sampling events are opened on the online ones.
 */
public final class Cpus {
    private static final Path SYS_CPU = Path.of("/sys/devices/system/cpu");

    private Cpus() {
    }

    /** CPUs that can ever come online; per-CPU map values have one slot per possible CPU. */
    public static List<Integer> possible() {
        return read(SYS_CPU.resolve("possible"));
    }

    /**
     * The number of possible CPUs: what the kernel multiplies a per-CPU map's value size by
     * ({@code num_possible_cpus()}).
     */
    public static int possibleCount() {
        return possible().size();
    }

    /** CPUs currently online. */
    public static List<Integer> online() {
        return read(SYS_CPU.resolve("online"));
    }

    /** Parses a kernel CPU list such as {@code 0-3,5}. */
    public static List<Integer> parse(String list) {
        List<Integer> cpus = new ArrayList<>();
        String s = list.strip();
        if (s.isEmpty()) {
            return cpus;
        }
        for (String part : s.split(",")) {
            int dash = part.indexOf('-');
            try {
                if (dash < 0) {
                    cpus.add(Integer.parseInt(part.strip()));
                } else {
                    int from = Integer.parseInt(part.substring(0, dash).strip());
                    int to = Integer.parseInt(part.substring(dash + 1).strip());
                    if (to < from) {
                        throw new IllegalArgumentException("bad CPU range " + part);
                    }
                    for (int c = from; c <= to; c++) {
                        cpus.add(c);
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad CPU list '" + list + "'", e);
            }
        }
        return cpus;
    }

    private static List<Integer> read(Path p) {
        try {
            return parse(Files.readString(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}
