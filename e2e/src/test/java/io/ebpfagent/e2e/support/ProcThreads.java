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
}
