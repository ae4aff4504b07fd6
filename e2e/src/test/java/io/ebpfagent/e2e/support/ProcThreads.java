package io.ebpfagent.e2e.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Ground truth from procfs about a child JVM's threads, to compare what the agent reports with
 * what the kernel itself accounts.
 */
public final class ProcThreads {
    private ProcThreads() {
    }

    /**
     * Total on-CPU nanoseconds (first field of {@code /proc/<pid>/task/<tid>/schedstat}, the
     * scheduler's sum_exec_runtime) of the live threads whose kernel name starts with {@code prefix}.
     */
    public static long cpuNanos(long pid, String prefix) throws IOException {
        long total = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().startsWith(prefix)) {
                        total += Long.parseLong(Files.readString(task.resolve("schedstat")).strip().split(" ")[0]);
                    }
                } catch (NoSuchFileException exited) {
                    // the thread ended between listing and reading
                }
            }
        }
        return total;
    }

    /**
     * The process's whole on-CPU time in seconds, exited threads included: {@code utime + stime}
     * of {@code /proc/<pid>/stat}, which the kernel scales to the threads' summed runtime; clock
     * ticks, so 10 ms resolution.
     */
    public static double processCpuSeconds(long pid) throws IOException {
        String[] f = statFields(Path.of("/proc", Long.toString(pid), "stat"));
        return (Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3])) / 100.0;
    }

    /** Summed on-CPU ns ({@code schedstat}) of the process's live threads. */
    public static long liveThreadsCpuNanos(long pid) throws IOException {
        return cpuNanos(pid, "");
    }

    /** How many live threads of the process have a kernel name starting with {@code prefix}. */
    public static int count(long pid, String prefix) throws IOException {
        int n = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().startsWith(prefix)) {
                        n++;
                    }
                } catch (NoSuchFileException exited) {
                    // gone meanwhile
                }
            }
        }
        return n;
    }

    /**
     * What the kernel accounts to one thread: on-CPU ns ({@code schedstat}), voluntary and
     * involuntary context switches ({@code status}), minor and major faults ({@code stat}),
     * bytes read and written by read/write-family calls ({@code io} {@code rchar}/{@code wchar}).
     */
    public record Task(long cpuNs, long voluntarySwitches, long involuntarySwitches, long minorFaults,
                       long majorFaults, long readBytes, long writtenBytes) {
    }

    public static Task task(long pid, long tid) throws IOException {
        Path task = Path.of("/proc", Long.toString(pid), "task", Long.toString(tid));
        String schedstat = Files.readString(task.resolve("schedstat")).strip();
        long cpu = Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        long voluntary = field(task.resolve("status"), "voluntary_ctxt_switches:");
        long involuntary = field(task.resolve("status"), "nonvoluntary_ctxt_switches:");
        String[] f = statFields(task.resolve("stat"));
        return new Task(cpu, voluntary, involuntary, Long.parseLong(f[10 - 3]), Long.parseLong(f[12 - 3]),
                field(task.resolve("io"), "rchar:"), field(task.resolve("io"), "wchar:"));
    }

    /** The fields after the parenthesised name (which may hold spaces): index 0 is field 3. */
    private static String[] statFields(Path stat) throws IOException {
        String s = Files.readString(stat);
        return s.substring(s.lastIndexOf(')') + 2).strip().split(" ");
    }

    private static long field(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).strip());
            }
        }
        throw new IOException("no " + key + " in " + file);
    }
}
