package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ebpfagent.loader.programs.Program;
import io.ebpfagent.loader.sys.Native;
import io.ebpfagent.probes.bench.ProcessPrograms;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The probe's run-queue waits and off-CPU time against bpftrace timing the same its own way, as
 * libbpf-tools' runqlat does: CLOCK_MONOTONIC from the wakeup (or the preempting switch-out) to the
 * switch-in, and from switch-out to switch-in, with programs at every wakeup. The probe has none
 * there and takes the waits from the scheduler's bookkeeping of each task; both must find the
 * same waits and intervals of the same threads in the same window.
 */
class SchedRunQueueGroundTruthTest {
    private static final int WORKERS = 4;

    @BeforeAll
    static void root() {
        KernelTests.assumeRoot();
    }

    /**
     * Both ways the probe can time: from the scheduler's bookkeeping on the run queues' clock (the
     * default where the kernel has it), and from its wakeup programs on CLOCK_MONOTONIC (kernels
     * without it, or asked for), which this kernel would otherwise never run.
     */
    @ParameterizedTest(name = "runqFromWakeups={0}")
    @ValueSource(booleans = {false, true})
    void runQueueWaitsAndOffCpuTimeOfThreadsUnderCpuCompetitionMatchBpftrace(boolean fromWakeups) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/bpftrace")), "bpftrace is not installed (apt-get install bpftrace)");
        // bpftrace's programs hang on classic tracepoints, which the kernel skips while another
        // BPF program of that kind runs on the CPU (recursion_misses): such a count is no reference
        StringBuilder missed = new StringBuilder();
        for (int attempt = 0; attempt < 3; attempt++) {
            if (attempt(fromWakeups, missed)) {
                return;
            }
        }
        assumeTrue(false, "bpftrace missed program runs in every attempt (other BPF programs on the machine):" + missed);
    }

    /** One measurement; false, with the reason in {@code missed}, when bpftrace missed runs. */
    private static boolean attempt(boolean fromWakeups, StringBuilder missed) throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe probe = SchedProbe.start(SchedProbe.Config.defaults().withRunqFromWakeups(fromWakeups), shared)) {
            CountDownLatch started = new CountDownLatch(WORKERS);
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch parked = new CountDownLatch(WORKERS);
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(WORKERS);
            CountDownLatch release = new CountDownLatch(1);
            int[] tids = new int[WORKERS];
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int index = w;
                workers.add(Thread.ofPlatform().name("runq-worker-" + w).start(() -> {
                    tids[index] = KernelTests.gettid();
                    started.countDown();
                    await(first);
                    // parked again once bpftrace runs: the off-CPU interval the window opens in
                    // starts where bpftrace sees it
                    parked.countDown();
                    await(go);
                    work(index);
                    done.countDown();
                    await(release);
                }));
            }
            started.await();
            Process bt = startBpftrace(tids);
            try {
                first.countDown();
                parked.await();
                waitUntilParked(workers);
                // the window opens: the probe's counters now, bpftrace's sums from zero (the
                // marker system call clears them); no worker runs until `go`
                Map<Integer, long[]> before = snapshot(probe, tids);
                Native.syscall(GETPPID, 0, 0, 0, 0, 0);
                int cpus = Runtime.getRuntime().availableProcessors();
                List<Thread> burners = new ArrayList<>();
                for (int i = 0; i < cpus; i++) {
                    burners.add(Thread.ofPlatform().start(() -> KernelTests.burn(300)));
                }
                go.countDown();
                assertTrue(done.await(120, TimeUnit.SECONDS), "the workers finished");
                for (Thread b : burners) {
                    b.join();
                }
                // the window closes with every worker parked on `release`: the intervals in
                // progress end after both tools stopped counting
                waitUntilParked(workers);
                Map<Integer, long[]> after = snapshot(probe, tids);
                long misses = recursionMisses(bt.pid());
                Map<Integer, long[]> truth = stopBpftrace(bt);

                StringBuilder all = new StringBuilder();
                long[] probeTotal = new long[5];
                long[] btTotal = new long[4];
                long lost = 0;
                for (int tid : tids) {
                    long[] a = after.get(tid);
                    long[] b = before.get(tid);
                    long[] t = truth.getOrDefault(tid, new long[4]);
                    // every switch of a worker in the window is one interval (all are parked at
                    // both ends): when bpftrace has fewer than the kernel's own switch counts
                    // (nvcsw + nivcsw, copied by the probe) and the probe's extra off-CPU time is
                    // more than a clock's worth, bpftrace lost a switch of that thread
                    if ((a[4] - b[4]) > t[3] && (a[3] - b[3]) - t[2] > 2_000_000L) {
                        lost += (a[4] - b[4]) - t[3];
                    }
                    for (int i = 0; i < 5; i++) {
                        probeTotal[i] += a[i] - b[i];
                    }
                    for (int i = 0; i < 4; i++) {
                        btTotal[i] += t[i];
                    }
                    all.append(String.format("%n  tid %d: run queue: probe %d waits %.3f ms (%d unknown), bpftrace %d"
                                    + " waits %.3f ms; off CPU: probe %d switches %.3f ms, bpftrace %d intervals %.3f ms",
                            tid, a[1] - b[1], (a[0] - b[0]) / 1e6, a[2] - b[2], t[1], t[0] / 1e6, a[4] - b[4],
                            (a[3] - b[3]) / 1e6, t[3], t[2] / 1e6));
                }
                String report = String.format("run queue: probe %d waits %.3f ms (%d unknown), bpftrace %d waits %.3f ms;"
                                + " off CPU: probe %d switches %.3f ms, bpftrace %d intervals %.3f ms%s",
                        probeTotal[1], probeTotal[0] / 1e6, probeTotal[2], btTotal[1], btTotal[0] / 1e6, probeTotal[4],
                        probeTotal[3] / 1e6, btTotal[3], btTotal[2] / 1e6, all);
                report = (fromWakeups ? "from wakeups: " : "from sched_info: ") + report;
                System.out.println(report);
                if (misses > 0) {
                    missed.append(String.format("%n  %d runs missed: %s", misses, report));
                    return false;
                }
                if (lost > 0) {
                    // bpftrace lost a switch without counting a recursion miss (seen once in CI:
                    // one worker's 52.8 ms interval and its wait absent, the kernel's count one more)
                    missed.append(String.format("%n  bpftrace saw %d intervals fewer than the kernel's switch counts: %s",
                            lost, report));
                    return false;
                }
                assertTrue(btTotal[1] >= WORKERS * 45, "precondition: a wait per sleep at least: " + report);
                // the same waits: one per switch-in of each worker, told or unknown (the two can
                // disagree on a wakeup that races the thread's own switch-out: a few in a thousand,
                // once 6 in 692 in CI, 3 each for two threads, with the off-CPU intervals equal)
                long waitSlack = 2 + btTotal[1] / 100;
                assertTrue(Math.abs(probeTotal[1] + probeTotal[2] - btTotal[1]) <= waitSlack, "the same waits: " + report);
                // the same time, up to the clocks (the run queues' against CLOCK_MONOTONIC, a few
                // microseconds per wait) and the waits the probe could not tell
                long slack = 2_000_000L + btTotal[0] / 20;
                assertTrue(probeTotal[0] <= btTotal[0] + slack, "no more run-queue time than bpftrace: " + report);
                if (probeTotal[2] == 0) {
                    assertTrue(probeTotal[0] >= btTotal[0] - slack, "no less run-queue time than bpftrace: " + report);
                }
                // off CPU: every interval of the window, no wakeup involved
                long countSlack = 2 + btTotal[3] / 200;
                assertTrue(Math.abs(probeTotal[4] - btTotal[3]) <= countSlack, "the same off-CPU intervals: " + report);
                long offSlack = 2_000_000L + btTotal[2] / 50;
                assertTrue(Math.abs(probeTotal[3] - btTotal[2]) <= offSlack, "the same off-CPU time: " + report);
                return true;
            } finally {
                bt.destroyForcibly();
                first.countDown();
                go.countDown();
                release.countDown();
                for (Thread w : workers) {
                    w.join();
                }
            }
        }
    }

    /**
     * Runs of process {@code pid}'s BPF programs the kernel skipped because another program was
     * running on the CPU.
     */
    private static long recursionMisses(long pid) {
        long misses = 0;
        for (int id : ProcessPrograms.programIds(pid)) {
            try (Program p = Program.fromId(id)) {
                misses += p.info().recursionMisses();
            }
        }
        return misses;
    }

    /** x86-64 getppid: a system call nothing else of this JVM makes, bpftrace's marker. */
    private static final long GETPPID = 110;

    /** Wakeups after sleeps, after disk waits (fsync), and preemptions by the others and the burners. */
    private static void work(int index) {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "runq-truth-" + ProcessHandle.current().pid() + "-" + index);
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.DELETE_ON_CLOSE)) {
            java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(64 * 1024);
            for (int i = 0; i < 60; i++) {
                KernelTests.burn(1 + (i % 3));
                if (i % 4 == 0) {
                    block.clear();
                    f.write(block, 0);
                    f.force(false);
                } else {
                    KernelTests.sleep(1 + (i % 2));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void waitUntilParked(List<Thread> workers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (workers.stream().anyMatch(w -> w.getState() != Thread.State.WAITING) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        // WAITING is set before the park's system call: let every worker reach the kernel
        Thread.sleep(50);
    }

    /**
     * Per worker: {run-queue ns, waits in the histogram, waits unknown, off-CPU ns, switches}.
     */
    private static Map<Integer, long[]> snapshot(SchedProbe probe, int[] tids) {
        Map<Integer, long[]> out = new HashMap<>();
        for (int tid : tids) {
            out.put(tid, new long[5]);
        }
        long[] hist = new long[64];
        probe.forEachThread((tid, on, offVol, offInvol, runq, vs, is, w, m, exited) -> {
            long[] v = out.get(tid);
            if (v != null && probe.runqHistogram(tid, hist)) {
                long n = 0;
                for (long c : hist) {
                    n += c;
                }
                v[0] = runq;
                v[1] = n;
                v[2] = probe.runqUnknown(tid);
                v[3] = offVol + offInvol;
                v[4] = vs + is;
            }
        });
        return out;
    }

    /**
     * runqlat's method for the given threads, with the sum kept: a wait starts at a wakeup or at a
     * switch-out in a running state (preempted; the tracepoint reports preemption as
     * TASK_REPORT_MAX, 0x100 on this kernel's ABI, whose low byte is 0) and ends at the switch-in;
     * a switch-out that blocks drops a wakeup that came before it. Off-CPU intervals from
     * switch-out to switch-in. The sums restart at this JVM's getppid().
     */
    private static Process startBpftrace(int[] tids) throws IOException, InterruptedException {
        StringBuilder begin = new StringBuilder("BEGIN {");
        for (int tid : tids) {
            begin.append(" @watch[").append(tid).append("] = 1;");
        }
        begin.append(" printf(\"ready\\n\"); }\n");
        String script = begin + """
                tracepoint:syscalls:sys_enter_getppid /pid == %d/ {
                  clear(@wait_ns); clear(@waits); clear(@off_ns); clear(@offs);
                }
                tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new /@watch[args->pid]/ {
                  @since[args->pid] = nsecs;
                }
                tracepoint:sched:sched_switch {
                  if (@watch[args->prev_pid]) {
                    if ((args->prev_state & 0xff) == 0) { @since[args->prev_pid] = nsecs; }
                    else { delete(@since[args->prev_pid]); }
                    @out[args->prev_pid] = nsecs;
                  }
                  if (@watch[args->next_pid]) {
                    if (@since[args->next_pid]) {
                      @wait_ns[args->next_pid] = sum(nsecs - @since[args->next_pid]);
                      @waits[args->next_pid] = count();
                      delete(@since[args->next_pid]);
                    }
                    if (@out[args->next_pid]) {
                      @off_ns[args->next_pid] = sum(nsecs - @out[args->next_pid]);
                      @offs[args->next_pid] = count();
                      delete(@out[args->next_pid]);
                    }
                  }
                }
                END { clear(@watch); clear(@since); clear(@out); }
                """.formatted(ProcessHandle.current().pid());
        Path file = Files.createTempFile("runq-truth", ".bt");
        Files.writeString(file, script);
        file.toFile().deleteOnExit();
        Process p = new ProcessBuilder("/usr/bin/bpftrace", file.toString()).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String line;
        while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.equals("ready")) {
                READERS.put(p, r);
                return p;
            }
        }
        p.destroyForcibly();
        throw new AssertionError("bpftrace did not start: " + seen);
    }

    private static final Map<Process, BufferedReader> READERS = new java.util.concurrent.ConcurrentHashMap<>();

    /** SIGINT makes bpftrace print its maps: per tid {wait ns, waits, off-CPU ns, off-CPU intervals}. */
    private static Map<Integer, long[]> stopBpftrace(Process p) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        BufferedReader r = READERS.remove(p);
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = r.readLine()) != null) {
            out.append(line).append('\n');
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bpftrace ended");
        Map<Integer, long[]> m = new HashMap<>();
        List<String> names = List.of("wait_ns", "waits", "off_ns", "offs");
        Matcher x = Pattern.compile("@(wait_ns|waits|off_ns|offs)\\[(\\d+)\\]: (\\d+)").matcher(out);
        while (x.find()) {
            long[] v = m.computeIfAbsent(Integer.parseInt(x.group(2)), k -> new long[4]);
            v[names.indexOf(x.group(1))] = Long.parseLong(x.group(3));
        }
        return m;
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
