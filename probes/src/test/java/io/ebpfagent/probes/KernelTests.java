package io.ebpfagent.probes;

import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/** Helpers of the kernel tests: they run in this JVM, which is the probes' target process. */
final class KernelTests {
    private KernelTests() {
    }

    static void assumeRoot() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
    }

    static int gettid() {
        return (int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0);
    }

    static int getpid() {
        return (int) Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0);
    }

    /**
     * Spins until the thread used {@code millis} of CPU time (not wall time: the machine is
     * shared); returns a value so the JIT keeps the loop.
     */
    static long burn(long millis) {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long end = mx.getCurrentThreadCpuTime() + millis * 1_000_000L;
        long x = 0;
        while (mx.getCurrentThreadCpuTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x += i * 31L ^ x;
            }
        }
        return x;
    }

    /**
     * What the kernel itself accounts for thread {@code tid} of this process, from procfs:
     * {on-CPU ns (schedstat), voluntary switches, involuntary switches (status), minor faults,
     * major faults (stat)}.
     */
    static long[] procCounters(int tid) {
        try {
            java.nio.file.Path task = java.nio.file.Path.of("/proc/self/task/" + tid);
            String schedstat = java.nio.file.Files.readString(task.resolve("schedstat")).strip();
            long[] c = new long[5];
            c[0] = Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
            for (String line : java.nio.file.Files.readAllLines(task.resolve("status"))) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    c[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                    c[2] = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                }
            }
            String stat = java.nio.file.Files.readString(task.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            c[3] = Long.parseLong(f[10 - 3]);
            c[4] = Long.parseLong(f[12 - 3]);
            return c;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs {@code body} on a new named thread, returning its kernel tid once it ran. */
    static int runNamed(String name, Runnable body) throws InterruptedException {
        AtomicInteger tid = new AtomicInteger();
        Thread t = Thread.ofPlatform().name(name).start(() -> {
            tid.set(gettid());
            body.run();
        });
        t.join();
        return tid.get();
    }
}
