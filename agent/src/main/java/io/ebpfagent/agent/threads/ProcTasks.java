package io.ebpfagent.agent.threads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The tids of this process's threads, from {@code /proc/self/task}: a directory listing, no safepoint. */
final class ProcTasks {
    private static final Path TASKS = Path.of("/proc/self/task");

    private ProcTasks() {
    }

    /** Sorted tids of the threads alive now. */
    static int[] liveTids() {
        int[] tids = new int[64];
        int n = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(TASKS)) {
            for (Path task : dir) {
                String name = task.getFileName().toString();
                if (n == tids.length) {
                    tids = Arrays.copyOf(tids, n * 2);
                }
                tids[n++] = Integer.parseInt(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int[] sorted = Arrays.copyOf(tids, n);
        Arrays.sort(sorted);
        return sorted;
    }
}
