package io.ebpfagent.probes;

import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.loader.sys.SyscallNumbers;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/** Helpers of the kernel tests: they run in this JVM, which is the probes' target process. */
public final class KernelTests {
    private KernelTests() {
    }

    public static void assumeRoot() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
    }

    static int gettid() {
        return (int) Native.syscall(SyscallNumbers.GETTID, 0, 0, 0, 0, 0);
    }

    public static int getpid() {
        return (int) Native.syscall(SyscallNumbers.GETPID, 0, 0, 0, 0, 0);
    }

    /**
     * Maps {@code pages} fresh anonymous pages, writes one byte to each and unmaps them: exactly
     * one minor fault per page for the calling thread (malloc, behind Arena.allocate, may hand out
     * memory the process touched before, which then faults no more; MADV_NOHUGEPAGE keeps
     * transparent huge pages from resolving 512 pages with one fault).
     */
    static void touchFreshPages(int pages) {
        long size = pages * 4096L;
        // PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
        long addr = Native.syscall6(SyscallNumbers.MMAP, 0, size, 0x1 | 0x2, 0x02 | 0x20, -1, 0);
        if (addr < 0 && addr > -4096) {
            throw new IllegalStateException("mmap of " + pages + " pages failed: errno " + -addr);
        }
        try {
            int rc = (int) MADVISE.invokeExact(java.lang.foreign.MemorySegment.ofAddress(addr), size, MADV_NOHUGEPAGE);
            if (rc != 0) {
                throw new IllegalStateException("madvise(MADV_NOHUGEPAGE) failed");
            }
            var mem = java.lang.foreign.MemorySegment.ofAddress(addr).reinterpret(size);
            for (long off = 0; off < size; off += 4096) {
                mem.set(java.lang.foreign.ValueLayout.JAVA_BYTE, off, (byte) 1);
            }
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        } finally {
            Native.syscall(SyscallNumbers.MUNMAP, addr, size, 0, 0, 0);
        }
    }

    private static final int MADV_NOHUGEPAGE = 15;

    private static final java.lang.invoke.MethodHandle MADVISE = java.lang.foreign.Linker.nativeLinker()
            .downcallHandle(java.lang.foreign.Linker.nativeLinker().defaultLookup().find("madvise").orElseThrow(),
                    java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT,
                            java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.JAVA_LONG,
                            java.lang.foreign.ValueLayout.JAVA_INT));

    /** Thread.sleep that keeps the interrupt flag instead of throwing, for thread bodies. */
    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /**
     * Compilations this JVM finished (successful and failed), from its own performance counters
     * ({@code jcmd <pid> PerfCounter.print}: {@code sun.ci.totalCompiles + sun.ci.totalBailouts}).
     */
    static long jvmCompilations() {
        try {
            java.nio.file.Path jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()),
                    "PerfCounter.print").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd PerfCounter.print failed: " + out);
            }
            long n = 0;
            for (String line : out.split("\n")) {
                if (line.startsWith("sun.ci.totalCompiles=") || line.startsWith("sun.ci.totalBailouts=")) {
                    n += Long.parseLong(line.substring(line.indexOf('=') + 1).strip());
                }
            }
            return n;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The JVM's compilation count once it stood still for a second (the JIT queue drained), waiting
     * up to two minutes: a loaded machine may compile slowly.
     */
    static long awaitJitIdle() throws InterruptedException {
        long last = jvmCompilations();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            long now = jvmCompilations();
            if (now == last) {
                return now;
            }
            last = now;
        }
        throw new IllegalStateException("the JIT did not go idle within two minutes");
    }

    /**
     * Defines {@code n} small hidden classes and calls each one's method until the JIT compiled it
     * (short C1 compilations, well below a millisecond each); returns a value so nothing is elided.
     */
    static long compileMethods(int n) throws Throwable {
        var lookup = java.lang.invoke.MethodHandles.lookup();
        long sink = 0;
        for (int i = 0; i < n; i++) {
            int k = i;
            var self = java.lang.constant.ClassDesc.of(KernelTests.class.getPackageName() + ".Jit" + i);
            byte[] bytes = java.lang.classfile.ClassFile.of().build(self, c -> c.withMethodBody("f",
                    java.lang.constant.MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_int,
                            java.lang.constant.ConstantDescs.CD_int),
                    java.lang.classfile.ClassFile.ACC_PUBLIC | java.lang.classfile.ClassFile.ACC_STATIC,
                    b -> b.iload(0).ldc(k * 31 + 17).imul().iconst_1().iadd().ireturn()));
            var hidden = lookup.defineHiddenClass(bytes, true);
            var f = hidden.findStatic(hidden.lookupClass(), "f",
                    java.lang.invoke.MethodType.methodType(int.class, int.class));
            for (int r = 0; r < 20_000; r++) {
                sink += (int) f.invokeExact(r);
            }
        }
        return sink;
    }

    /** sched_setaffinity(2) and sched_getaffinity(2): x86-64 203/204, aarch64 122/123. */
    private static final boolean ARM = System.getProperty("os.arch").matches("aarch64|arm64");
    private static final long SCHED_SETAFFINITY = ARM ? 122 : 203;
    private static final long SCHED_GETAFFINITY = ARM ? 123 : 204;
    private static final int MASK_BYTES = 128; // 1024 CPUs

    /** The calling thread's CPU mask (sched_getaffinity), for {@link #setAffinity}. */
    static byte[] affinity() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var mask = arena.allocate(MASK_BYTES, 8);
            long rc = Native.syscall(SCHED_GETAFFINITY, 0, MASK_BYTES, mask.address(), 0, 0);
            if (rc < 0) {
                throw new IllegalStateException("sched_getaffinity failed: errno " + -rc);
            }
            return mask.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    /** Sets the calling thread's CPU mask (sched_setaffinity). */
    static void setAffinity(byte[] mask) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var m = arena.allocate(MASK_BYTES, 8);
            m.copyFrom(java.lang.foreign.MemorySegment.ofArray(mask));
            long rc = Native.syscall(SCHED_SETAFFINITY, 0, MASK_BYTES, m.address(), 0, 0);
            if (rc < 0) {
                throw new IllegalStateException("sched_setaffinity failed: errno " + -rc);
            }
        }
    }

    /** A mask of CPU {@code cpu} alone. */
    static byte[] cpuMask(int cpu) {
        byte[] mask = new byte[MASK_BYTES];
        mask[cpu / 8] = (byte) (1 << (cpu % 8));
        return mask;
    }

    /** The lowest CPU of {@code mask}. */
    static int firstCpu(byte[] mask) {
        for (int i = 0; i < mask.length * 8; i++) {
            if ((mask[i / 8] & (1 << (i % 8))) != 0) {
                return i;
            }
        }
        throw new IllegalStateException("empty CPU mask");
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
