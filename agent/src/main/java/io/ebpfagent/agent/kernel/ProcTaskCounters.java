package io.ebpfagent.agent.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-thread counters the kernel itself keeps for this process's threads, as procfs prints
 * them: read once when the probes attach, so that what a thread did before it are counted too.
 *
 * @param tid                 kernel thread id
 * @param cpuNs               {@code schedstat} field 1: on-CPU ns since the thread started
 * @param voluntarySwitches   {@code status} {@code voluntary_ctxt_switches}
 * @param involuntarySwitches {@code status} {@code nonvoluntary_ctxt_switches}
 * @param minorFaults         {@code stat} field 10 ({@code minflt})
 * @param majorFaults         {@code stat} field 12 ({@code majflt})
 * @param readBytes           {@code io} {@code rchar}: bytes of read-family calls on any descriptor,
 *                            -1 when the kernel has no I/O accounting
 * @param writtenBytes        {@code io} {@code wchar}, -1 likewise
 */
record ProcTaskCounters(int tid, long cpuNs, long voluntarySwitches, long involuntarySwitches, long minorFaults,
                        long majorFaults, long readBytes, long writtenBytes) {

    private static final Path TASKS = Path.of("/proc/self/task");

    /** Every thread of this process that could be read (threads exiting meanwhile are left out). */
    static List<ProcTaskCounters> readAll() {
        List<ProcTaskCounters> all = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                int tid;
                try {
                    tid = Integer.parseInt(task.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                ProcTaskCounters c = read(task, tid);
                if (c != null) {
                    all.add(c);
                }
            }
        } catch (IOException e) {
            // no procfs: nothing to start from
        }
        return all;
    }

    /** The counters of thread {@code tid}, or null when it exited or procfs cannot be read. */
    static ProcTaskCounters read(int tid) {
        return read(TASKS.resolve(Integer.toString(tid)), tid);
    }

    private static ProcTaskCounters read(Path task, int tid) {
        try {
            String schedstat = Files.readString(task.resolve("schedstat")).strip();
            long cpu = Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
            long voluntary = 0;
            long involuntary = 0;
            for (String line : Files.readAllLines(task.resolve("status"))) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                    involuntary = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                }
            }
            // the name in parentheses may hold spaces and parentheses: fields start after the last ')'
            String stat = Files.readString(task.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long minor = Long.parseLong(fields[10 - 3]);
            long major = Long.parseLong(fields[12 - 3]);
            long read = -1;
            long written = -1;
            try {
                for (String line : Files.readAllLines(task.resolve("io"))) {
                    if (line.startsWith("rchar:")) {
                        read = Long.parseLong(line.substring(6).strip());
                    } else if (line.startsWith("wchar:")) {
                        written = Long.parseLong(line.substring(6).strip());
                    }
                }
            } catch (IOException noIoAccounting) {
                // CONFIG_TASK_IO_ACCOUNTING off, or the thread just exited
            }
            return new ProcTaskCounters(tid, cpu, voluntary, involuntary, minor, major, read, written);
        } catch (IOException | RuntimeException e) {
            return null; // exited while being read, or a format this parser does not know
        }
    }
}
