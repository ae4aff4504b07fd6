package io.ebpfagent.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ebpfagent.e2e.apps.ThreadChurnApp;
import io.ebpfagent.e2e.support.AgentJvm;
import io.ebpfagent.e2e.support.ChildOutput;
import io.ebpfagent.e2e.support.JavaProcess;
import io.ebpfagent.e2e.support.JavaThreads;
import io.ebpfagent.e2e.support.ProcThreads;
import io.ebpfagent.e2e.support.PrometheusServer;
import io.ebpfagent.e2e.support.PrometheusText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the agent reports against what the kernel and the JVM account themselves, on one child JVM
 * ({@link ThreadChurnApp}) with the sched, syscalls, io, faults and jvm probes, read from the
 * agent's Prometheus endpoint:
 * <ul>
 *   <li>thousands of short-lived named threads: their on-CPU time against the process's own total
 *       ({@code /proc/<pid>/stat}, exited threads included) minus its live threads', their
 *       {@code sched_yield} calls against the count the threads made;</li>
 *   <li>the main thread, busy before the agent attached, against its {@code /proc} counters, and
 *       the whole process's on-CPU time against {@code /proc/<pid>/stat};</li>
 *   <li>JIT compilations against the JVM's own counters ({@code jcmd PerfCounter.print}).</li>
 * </ul>
 * Every wait is a readiness wait with a generous timeout; nothing assumes how fast the machine is.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroundTruthIT {
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration ARRIVAL = Duration.ofSeconds(180);
    private static final String CHURN = "acc-churn-*";
    private static final int THREADS = 2000;
    private static final int YIELDS = 20;
    private static final String CPU = "process_cpu_time_seconds_total";
    private static final String SYSCALLS = "kernel_syscall_duration_seconds_count";

    private JavaProcess app;
    private int metricsPort;
    private long mainTid;

    @BeforeAll
    void startApplication() throws Exception {
        metricsPort = PrometheusServer.freePort();
        Path config = AgentJvm.writeConfig("""
                exporter:
                  kind: [prometheus]
                  prometheus:
                    host: "127.0.0.1"
                    port: %d
                probes:
                  collect_interval: 1s
                  sched:
                    enabled: true
                  syscalls:
                    enabled: true
                    # per thread and every call: the counts are compared with each thread's own
                    by_thread: true
                    top_n: 1024
                  io:
                    enabled: true
                  faults:
                    enabled: true
                  jvm:
                    enabled: true
                """.formatted(metricsPort));
        // A fixed set of compiler threads: no thread but the churn's may exit while they run.
        List<String> args = List.of("-Xmx256m", "-XX:-UseDynamicNumberOfCompilerThreads",
                AgentJvm.javaagent(AgentJvm.agentJar(), config), "--enable-native-access=ALL-UNNAMED",
                "-cp", Path.of(ThreadChurnApp.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                        .toString(), ThreadChurnApp.class.getName());
        app = JavaProcess.start("ground-truth", args, Map.of());
        ChildOutput.onFailure(app, () -> {
            mainTid = Long.parseLong(app.await("APP started main_tid=(\\d+)", START).group(1));
            app.await("\\[ebpf-agent\\] INFO initialized in", START);
            await("the agent's metrics endpoint").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions().until(() -> scrape().sum(CPU, s -> true) > 0);
        });
    }

    @AfterAll
    void stopApplication() throws Exception {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void shortLivedNamedThreadsKeepTheirCpuTimeAndSyscallsUnderTheirGroup() throws Exception {
        ChildOutput.onFailure(app, () -> {
            PrometheusText before = scrape();
            double agentCpu0 = before.sum(CPU, "thread_name", CHURN);
            double agentYields0 = yields(before);
            double[] cpu0 = processAndLiveThreadsCpu();

            app.send("churn " + THREADS + " " + YIELDS);
            Matcher done = app.await("APP churn done threads=(\\d+) cpu_ns=(\\d+) yields=(\\d+)", ARRIVAL);
            long yields = Long.parseLong(done.group(3));
            assertThat(yields).isEqualTo((long) THREADS * YIELDS);
            // join() returns before the kernel has reaped a thread: wait until none is left
            await("the churn threads gone from /proc").atMost(ARRIVAL).pollInterval(Duration.ofMillis(200))
                    .until(() -> ProcThreads.count(app.pid(), "acc-churn-") == 0);
            // The process's total counts exited threads too: what the live threads (main, the agent,
            // the JVM's) added meanwhile is theirs, the rest was the churn threads'.
            double[] cpu1 = processAndLiveThreadsCpu();
            double churnCpu = (cpu1[0] - cpu0[0]) - (cpu1[1] - cpu0[1]);
            assertThat(churnCpu).as("precondition: the churn threads ran (their own reading: %s ns)", done.group(2))
                    .isGreaterThan(Long.parseLong(done.group(2)) / 1e9 * 0.9);

            double[] agent = new double[3];
            await("the churn threads' CPU time and syscalls in the metrics").atMost(ARRIVAL)
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        PrometheusText now = scrape();
                        agent[0] = now.sum(CPU, "thread_name", CHURN) - agentCpu0;
                        agent[1] = yields(now) - agentYields0;
                        agent[2] = now.sum(CPU, "thread_name", "unknown") + now.sum(SYSCALLS, "thread_name", "unknown");
                        // 20 ms: the process total is in 10 ms clock ticks, two of them per read
                        assertThat(agent[0]).as("on-CPU seconds of %s vs the process's accounting (%.3f s)", CHURN,
                                churnCpu).isGreaterThanOrEqualTo(churnCpu * 0.99 - 0.02);
                        assertThat(agent[1]).as("sched_yield calls of %s vs the %d the threads made", CHURN, yields)
                                .isGreaterThanOrEqualTo(yields * 0.99);
                    });
            System.out.printf("GroundTruthIT churn: %d threads, on-CPU %.3f s reported under %s of %.3f s the kernel"
                            + " accounted (%.2f%%), sched_yield %.0f of %d (%.2f%%), unknown %.3f%n", THREADS,
                    agent[0], CHURN, churnCpu, 100 * agent[0] / churnCpu, agent[1], yields, 100 * agent[1] / yields,
                    agent[2]);
            // A bound against counting twice, not a tight one: the process total is in clock ticks,
            // and it lacks each exited thread's last microseconds (the kernel adds a thread's runtime
            // to its process when it releases the thread, before its final switch-out, which is
            // where the probe reads the thread's final value): about 1.5% here for 2000 threads.
            assertThat(agent[0]).as("not more on-CPU time than the kernel accounted").isLessThanOrEqualTo(churnCpu * 1.05 + 0.05);
            assertThat(agent[1]).as("no more sched_yield calls than made (the JVM itself yields rarely)")
                    .isLessThanOrEqualTo(yields * 1.01);
            assertThat(agent[2]).as("nothing reported for an unknown thread").isZero();
        });
    }

    @Test
    void countersOfAThreadBusyBeforeTheAttachAndOfTheProcessMatchProc() throws Exception {
        ChildOutput.onFailure(app, () -> {
            List<String> lines = app.lines();
            int started = indexOf(lines, "APP started");
            int attached = indexOf(lines, "kernel probes running");
            assertThat(started).as("precondition: main did its work (CPU, 8 MiB written and read, 32 MiB touched) "
                    + "before the probes attached").isBetween(0, attached);

            // main waits on stdin: its counters stand still, the agent's must come to equal them
            long[] agent = new long[6];
            ProcThreads.Task[] proc = new ProcThreads.Task[1];
            double[] process = new double[2];
            await("main's counters and the process's on-CPU time in the metrics").atMost(ARRIVAL)
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        ProcThreads.Task p = ProcThreads.task(app.pid(), mainTid);
                        PrometheusText m = scrape();
                        proc[0] = p;
                        agent[0] = Math.round(m.sum(CPU, "thread_name", "main") * 1e9);
                        agent[1] = Math.round(m.sum("process_context_switches_total", s -> s.label("thread_name").equals("main")
                                && s.label("process_context_switch_type").equals("voluntary")));
                        agent[2] = Math.round(m.sum("process_context_switches_total", s -> s.label("thread_name").equals("main")
                                && s.label("process_context_switch_type").equals("involuntary")));
                        agent[3] = Math.round(m.sum("process_paging_faults_total", s -> s.label("thread_name").equals("main")
                                && s.label("system_paging_fault_type").equals("minor")));
                        agent[4] = Math.round(m.sum("kernel_file_io_bytes_total", s -> s.label("thread_name").equals("main")
                                && s.label("io_direction").equals("read")));
                        agent[5] = Math.round(m.sum("kernel_file_io_bytes_total", s -> s.label("thread_name").equals("main")
                                && s.label("io_direction").equals("write")));
                        process[0] = m.sum(CPU, s -> true);
                        process[1] = ProcThreads.processCpuSeconds(app.pid());
                        assertThat(agent[0]).as("main's on-CPU ns vs schedstat").isBetween((long) (p.cpuNs() * 0.99), p.cpuNs());
                        assertThat(agent[1]).as("main's voluntary switches vs status")
                                .isBetween((long) (p.voluntarySwitches() * 0.99), p.voluntarySwitches());
                        assertThat(agent[2]).as("main's involuntary switches vs status")
                                .isBetween((long) (p.involuntarySwitches() * 0.99), p.involuntarySwitches());
                        assertThat(agent[3]).as("main's minor faults vs stat")
                                .isBetween((long) (p.minorFaults() * 0.99), p.minorFaults());
                        // reads of stdin (a pipe) after the attach are no disk I/O: rchar holds a few bytes more
                        assertThat(agent[4]).as("main's bytes read vs io rchar")
                                .isBetween((long) (p.readBytes() * 0.99), p.readBytes());
                        // writes to stdout (a pipe) after the attach neither: 8 MiB went to a file before it
                        assertThat(agent[5]).as("main's bytes written vs io wchar")
                                .isBetween(8L << 20, p.writtenBytes());
                        assertThat(process[0]).as("on-CPU seconds of every thread vs /proc/<pid>/stat (%.2f s)", process[1])
                                .isBetween(process[1] * 0.98 - 0.02, process[1] + 0.02);
                    });
            System.out.printf("GroundTruthIT main thread: on-CPU %d of %d ns, switches %d+%d of %d+%d, minor faults %d"
                            + " of %d, read %d of %d bytes, written %d of %d bytes; process on-CPU %.2f of %.2f s%n",
                    agent[0], proc[0].cpuNs(), agent[1], agent[2], proc[0].voluntarySwitches(),
                    proc[0].involuntarySwitches(), agent[3], proc[0].minorFaults(), agent[4], proc[0].readBytes(),
                    agent[5], proc[0].writtenBytes(), process[0], process[1]);
        });
    }

    @Test
    void everyJitCompilationIsCountedEvenTheShortOnes() throws Exception {
        ChildOutput.onFailure(app, () -> {
            long[] before = settledCompilations(3);
            app.send("compile 300");
            app.await("APP compile done classes=300", ARRIVAL);
            // The agent's count trails the JVM's by up to a collection: wait until it has caught up
            // with the burst, on two readings in a row. A missed (or doubly counted) compilation
            // leaves the gap changed for good: it never does, and the wait times out.
            long[] delta = new long[2];
            int[] caughtUp = {0};
            await("the agent's count caught up with the JVM's").atMost(ARRIVAL).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        long[] now = compilations();
                        delta[0] = now[0] - before[0];
                        delta[1] = now[1] - before[1];
                        caughtUp[0] = delta[1] == delta[0] ? caughtUp[0] + 1 : 0;
                        assertThat(delta[0]).as("precondition: the JVM compiled the 300 methods").isGreaterThanOrEqualTo(300);
                        assertThat(delta[1]).as("compilations in kernel_jvm_jit_compilations_total vs the JVM's counters")
                                .isEqualTo(delta[0]);
                        assertThat(caughtUp[0]).as("readings in a row with equal counts").isGreaterThanOrEqualTo(2);
                    });
            double c1 = c1Share();
            System.out.printf("GroundTruthIT JIT: %d compilations counted of %d the JVM counted (%.0f%% of all by C1)%n",
                    delta[1], delta[0], 100 * c1);
        });
    }

    /**
     * {the process's on-CPU seconds from /proc/<pid>/stat, its live threads' summed schedstat in
     * seconds} at one moment: the live threads are read before and after the process total and
     * averaged, so the threads that ran meanwhile weigh half on either side.
     */
    private double[] processAndLiveThreadsCpu() throws Exception {
        long before = ProcThreads.liveThreadsCpuNanos(app.pid());
        double process = ProcThreads.processCpuSeconds(app.pid());
        long after = ProcThreads.liveThreadsCpuNanos(app.pid());
        return new double[] {process, (before + after) / 2e9};
    }

    /**
     * {the JVM's compilation count, the agent's} at one moment, the JVM's read first: the scrape
     * runs the exporter's code in the JVM, and what that makes the JIT compile must not count on
     * the JVM's side only. The agent's count is as of its last collection, so it may trail.
     */
    private long[] compilations() throws Exception {
        long jvm = JavaThreads.compilations(app.pid());
        return new long[] {jvm, jitCount(scrape())};
    }

    /**
     * {the JVM's compilation count, the agent's} once the gap between them (the compilations
     * before the probes attached, give or take those finished between the agent's last collection
     * and the JVM's reading) is the same on {@code readings} readings in a row, a collection apart.
     * The JIT need not be idle: the agent's own work (scrapes, collections) keeps it compiling now
     * and then, for a long time on a loaded machine.
     */
    private long[] settledCompilations(int readings) {
        long[] last = {-1, -1};
        int[] same = {0};
        return await("a settled gap between the JVM's compilation count and the agent's").atMost(ARRIVAL)
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    long[] now = compilations();
                    same[0] = last[0] >= 0 && now[0] - now[1] == last[0] - last[1] ? same[0] + 1 : 1;
                    last[0] = now[0];
                    last[1] = now[1];
                    return same[0] >= readings ? now : null;
                }, r -> r != null);
    }

    private double c1Share() throws Exception {
        PrometheusText m = scrape();
        double all = m.sum("kernel_jvm_jit_compilations_total", s -> true);
        return all == 0 ? 0 : m.sum("kernel_jvm_jit_compilations_total", s -> s.label("jvm_jit_compiler").equalsIgnoreCase("c1")) / all;
    }

    private static long jitCount(PrometheusText m) {
        return Math.round(m.sum("kernel_jvm_jit_compilations_total", s -> true));
    }

    private static double yields(PrometheusText m) {
        return m.sum(SYSCALLS, s -> s.label("thread_name").equals(CHURN) && s.label("syscall_name").equals("sched_yield"));
    }

    private PrometheusText scrape() throws Exception {
        return PrometheusText.scrape(metricsPort);
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
