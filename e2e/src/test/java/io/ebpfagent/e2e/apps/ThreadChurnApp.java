package io.ebpfagent.e2e.apps;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A JVM that does measurable work before the agent can attach and, on command (one line on
 * stdin each), work whose size it knows itself:
 * <ul>
 *   <li>at start, on {@code main}: writes and reads back a file, touches fresh memory and burns
 *       CPU, then prints {@code APP started};</li>
 *   <li>{@code churn <threads> <yields>}: that many short-lived platform threads named
 *       {@code acc-churn-<i>}, four at a time; each spins about 1 ms, calls {@link Thread#yield()}
 *       (one {@code sched_yield} system call each) {@code yields} times and reads its own on-CPU
 *       time so far from {@code /proc/thread-self/schedstat}. Prints their sum and the yields;</li>
 *   <li>{@code compile <classes>}: defines that many small hidden classes and calls each one's
 *       method until the JIT compiles it, then prints {@code APP compile done};</li>
 *   <li>{@code exit}.</li>
 * </ul>
 * Between commands {@code main} is blocked reading stdin, so its counters stand still.
 */
public final class ThreadChurnApp {
    private static final long SPIN_NS = 1_000_000L;
    private static final int CONCURRENT = 4;

    private ThreadChurnApp() {
    }

    public static void main(String[] args) throws Throwable {
        long x = beforeTheAgent();
        // the kernel tid of main: /proc/thread-self links to /proc/<pid>/task/<tid>
        String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        System.out.println("APP started main_tid=" + self + (x == 42 ? " !" : ""));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.strip().split(" +");
            switch (cmd[0]) {
                case "churn" -> churn(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]));
                case "compile" -> compile(Integer.parseInt(cmd[1]));
                case "exit" -> {
                    System.out.println("APP OK");
                    return;
                }
                default -> System.out.println("APP unknown command " + line);
            }
        }
    }

    /** File I/O, page faults and CPU on main right at start: the agent attaches seconds later. */
    private static long beforeTheAgent() throws IOException {
        Path file = Files.createTempFile("thread-churn", ".bin");
        try {
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < 8; i++) {
                Files.write(file, block, i == 0 ? new java.nio.file.OpenOption[0]
                        : new java.nio.file.OpenOption[] {java.nio.file.StandardOpenOption.APPEND});
            }
            long sum = Files.readAllBytes(file).length;
            byte[] fresh = new byte[32 << 20];
            for (int i = 0; i < fresh.length; i += 4096) {
                fresh[i] = 1;
            }
            sum += fresh[4096];
            long end = System.nanoTime() + 200_000_000L;
            while (System.nanoTime() < end) {
                sum += sum * 31 + 7;
            }
            return sum;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void churn(int threads, int yields) throws InterruptedException {
        LongAdder cpuNs = new LongAdder();
        LongAdder yielded = new LongAdder();
        List<Thread> running = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            running.add(Thread.ofPlatform().name("acc-churn-" + i).start(() -> {
                long end = System.nanoTime() + SPIN_NS;
                long s = 0;
                while (System.nanoTime() < end) {
                    s += s * 31 + 1;
                }
                for (int y = 0; y < yields; y++) {
                    Thread.yield();
                }
                yielded.add(yields);
                cpuNs.add(ownCpuNs() + (s == 42 ? 1 : 0));
            }));
            if (running.size() == CONCURRENT) {
                for (Thread t : running) {
                    t.join();
                }
                running.clear();
            }
        }
        for (Thread t : running) {
            t.join();
        }
        System.out.println("APP churn done threads=" + threads + " cpu_ns=" + cpuNs.sum() + " yields=" + yielded.sum());
    }

    /** The calling thread's on-CPU ns since it started, as the scheduler accounts it. */
    private static long ownCpuNs() {
        try {
            String schedstat = Files.readString(Path.of("/proc/thread-self/schedstat")).strip();
            return Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hidden classes {@code C<i>} with {@code static int f(int)}, each called until compiled. */
    private static void compile(int classes) throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        long sink = 0;
        for (int i = 0; i < classes; i++) {
            int k = i;
            ClassDesc self = ClassDesc.of(ThreadChurnApp.class.getPackageName() + ".Compiled" + i);
            byte[] bytes = ClassFile.of().build(self, c -> c.withMethodBody("f",
                    MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_int),
                    ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC,
                    b -> b.iload(0).ldc(k * 31 + 17).imul().iconst_1().iadd().ireturn()));
            MethodHandles.Lookup hidden = lookup.defineHiddenClass(bytes, true);
            MethodHandle f = hidden.findStatic(hidden.lookupClass(), "f", MethodType.methodType(int.class, int.class));
            for (int n = 0; n < 20_000; n++) {
                sink += (int) f.invokeExact(n);
            }
        }
        System.out.println("APP compile done classes=" + classes + (sink == 42 ? "!" : ""));
    }
}
