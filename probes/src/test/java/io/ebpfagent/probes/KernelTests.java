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
