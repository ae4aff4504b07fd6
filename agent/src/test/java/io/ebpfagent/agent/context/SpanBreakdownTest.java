package io.ebpfagent.agent.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.probes.JvmProbe;
import io.ebpfagent.probes.SchedProbe;
import io.ebpfagent.probes.SharedMaps;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-span kernel-time breakdown against independent measurements, on the real kernel: the
 * sched probe splits the time of this JVM's threads, the context-storage hook (self-attached)
 * accounts each scope, and the attributes land on the spans of the real OpenTelemetry SDK. Each
 * part runs in its own child span, so the part's breakdown can be compared with what the test
 * measured itself around it: CPU time with the thread's CPU clock, waits with the wall clock
 * (a wait's wall time is the blocked time, plus the run-queue wait after the wake-up, plus a
 * little CPU: the three attributes must add up to it).
 */
class SpanBreakdownTest {
    private static final AttributeKey<Double> CPU = AttributeKey.doubleKey("kernel.cpu.time");
    private static final AttributeKey<Double> RUNQ = AttributeKey.doubleKey("kernel.runqueue.time");
    private static final AttributeKey<Double> LOCK = AttributeKey.doubleKey("kernel.wait.lock.time");
    private static final AttributeKey<Double> DISK = AttributeKey.doubleKey("kernel.wait.disk.time");
    private static final AttributeKey<Double> SLEEP = AttributeKey.doubleKey("kernel.wait.sleep.time");
    private static final AttributeKey<Double> NET = AttributeKey.doubleKey("kernel.wait.network.time");
    private static final AttributeKey<Double> OTHER = AttributeKey.doubleKey("kernel.wait.other.time");
    private static final AttributeKey<Double> GC = AttributeKey.doubleKey("kernel.gc.pause.time");
    private static final AttributeKey<Double> SAFEPOINT = AttributeKey.doubleKey("kernel.safepoint.time");
    private static final AttributeKey<Long> READ_BYTES = AttributeKey.longKey("kernel.io.read.bytes");
    private static final AttributeKey<Long> WRITE_BYTES = AttributeKey.longKey("kernel.io.write.bytes");
    private static final AttributeKey<Long> READ_CALLS = AttributeKey.longKey("kernel.io.read.calls");
    private static final AttributeKey<Long> WRITE_CALLS = AttributeKey.longKey("kernel.io.write.calls");
    private static final AttributeKey<Long> SYSCALLS = AttributeKey.longKey("kernel.syscalls");

    private static SharedMaps shared;
    private static SchedProbe sched;
    private static JvmProbe jvm;
    private static SpanContextPublication publication;
    private static SpanContextPublisher publisher;
    private static InMemorySpanExporter spans;
    private static Tracer tracer;
    private static final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private static long fsyncForce;
    private static boolean virtualHooked;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "kernel probes need root");
        publication = new SpanContextPublication();
        java.lang.instrument.Instrumentation inst = ByteBuddyAgent.install();
        ContextStorageHook.of(inst, publication).register();
        virtualHooked = VirtualThreadSupport.install(inst, publication);
        shared = SharedMaps.create();
        sched = SchedProbe.start(SchedProbe.Config.defaults(), shared);
        SpanContextPublisher publisher = publication.connect(shared.spanSlots(), new SlotListener() {
            @Override
            public void onSlotAssigned(int tid, int slot) {
                shared.bindThread(tid, slot);
            }

            @Override
            public void onSlotReleased(int tid, int slot) {
                shared.unbindThread(tid);
            }
        });
        jvm = JvmProbe.start(JvmProbe.Config.defaults(), shared);
        publisher.readKernelTimes(sched.spanTimes(), jvm.pauseClocks());
        SpanBreakdownTest.publisher = publisher;
        spans = InMemorySpanExporter.create();
        tracer = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build().get("test");
    }

    @AfterAll
    static void stop() {
        if (publication != null) {
            publication.disconnect();
        }
        if (sched != null) {
            sched.close();
        }
        if (jvm != null) {
            jvm.close();
        }
        if (shared != null) {
            shared.close();
        }
    }

    @Test
    void cpuLockSleepAndFsyncOfOneRequestEachInItsBucket(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // The first round loads the classes of every path it takes (the contended lock, the
        // /proc reads, the formatted output): a CI run's lock span once held 34 ms of class
        // loading CPU next to its 30 ms wait. Spans are looked up by name, last one wins, so the
        // assertions see the second round only.
        runRequest(dir.resolve("warm-up"));
        Request r = runRequest(dir.resolve("measured"));
        fsyncForce = r.fsyncForce();

        for (String name : java.util.List.of("cpu", "lock", "sleep", "fsync")) {
            System.out.printf("%s: %s%n", name, span(name).getAttributes());
        }
        SpanData cpuSpan = span("cpu");
        assertWithin("CPU of the burn (thread CPU clock)", value(cpuSpan, CPU), r.cpu());
        assertWait("lock wait", span("lock"), LOCK, r.lockWall());
        assertWait("sleep", span("sleep"), SLEEP, r.sleepWall());
        assertTotalBounded("write + fsync", span("fsync"), DISK, r.fsyncWall());
        assertThat(value(span("fsync"), DISK) + value(span("fsync"), RUNQ))
                .as("fsync: the disk wait and the run-queue wait after it (%s)", span("fsync").getAttributes())
                .isGreaterThan(fsyncForce / 1e9 * 0.5);
        assertNothingIn("fsync", span("fsync"), LOCK, SLEEP, NET);
        assertThat(r.lockWall()).as("precondition: the lock was contended").isGreaterThan(15_000_000L);
        // each cause against the thread's blocked time by the kernel's own per-task accounting:
        // wall time - CPU time (thread CPU clock) - run-queue wait (/proc schedstat run_delay)
        assertWithin("lock wait against wall - CPU - run delay", value(span("lock"), LOCK), r.lockBlocked());
        // A sleep's blocked time is its timeout (plus timer slack): the reference here. Against
        // wall - CPU - run delay it held in most runs, but that figure once came out 14 ms above
        // the 40 ms timeout on the loaded machine (no other wait in the span by either account),
        // so it only bounds the value from above.
        assertWithin("sleep against its 40 ms timeout", value(span("sleep"), SLEEP), 40_000_000L);
        assertThat(value(span("sleep"), SLEEP)).as("sleep within wall - CPU - run delay")
                .isLessThanOrEqualTo(r.sleepBlocked() / 1e9 + Math.max(r.sleepBlocked() / 1e9 * 0.10, 0.002));
        // The reference is blind to causes: every blocked moment of the span counts, also a short
        // futex wait of the JVM's own (class loading, a safepoint) next to the I/O, which the probe
        // rightly puts under lock (a CI run: disk 4.20 + lock 1.17 ms against 6.47 ms). So the sum of
        // all blocked buckets is compared here; that the I/O itself is disk wait is checked above.
        // A GC in the step (it allocates 1 MB; twice in one day a 23-26 ms pause) stops the thread
        // in the JVM's futex: lock wait of the span, and in the reference only if it fell inside
        // the measured call rather than in the scope around it (the span's start): so the span may
        // exceed the reference by its safepoint overlap.
        SpanData fsync = span("fsync");
        double blocked = value(fsync, DISK) + value(fsync, OTHER) + value(fsync, LOCK) + value(fsync, SLEEP)
                + value(fsync, NET);
        double reference = r.fsyncBlocked() / 1e9;
        double tolerance = Math.max(reference * 0.10, 0.002);
        assertThat(blocked).as("write + fsync, all blocked time against wall - CPU - run delay %.2f ms, plus up to"
                        + " the safepoint overlap (%s)", reference * 1e3, fsync.getAttributes())
                .isBetween(reference - tolerance, reference + value(fsync, SAFEPOINT) + tolerance);

        SpanData whole = span("request");
        assertThat(value(whole, CPU)).as("request CPU includes the burn").isGreaterThanOrEqualTo(r.cpu() / 1e9 * 0.9);
        assertThat(value(whole, LOCK)).as("request lock wait").isGreaterThanOrEqualTo(value(span("lock"), LOCK));
        assertThat(value(whole, SLEEP)).as("request sleep").isGreaterThanOrEqualTo(value(span("sleep"), SLEEP));
        assertThat(value(whole, DISK)).as("request disk wait").isGreaterThanOrEqualTo(value(span("fsync"), DISK));
    }

    @Test
    void workHandedToAPoolThreadCountsInTheRequestsSpan() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "breakdown-pool"));
        try {
            Span request = tracer.spanBuilder("handoff").startSpan();
            long[] poolCpu = new long[1];
            try (Scope r = request.makeCurrent()) {
                pool.submit(Context.current().wrap(() -> {
                    poolCpu[0] = burnCpu(30);
                    sleepQuietly(30);
                })).get(); // untimed: a lock wait; a timed get would count as a timed park
            } finally {
                request.end();
            }
            SpanData handoff = span("handoff");
            assertThat(value(handoff, CPU)).as("the pool thread's CPU is in the request's span")
                    .isGreaterThanOrEqualTo(poolCpu[0] / 1e9 * 0.9);
            assertThat(value(handoff, SLEEP)).as("the pool thread's sleep").isGreaterThan(0.025);
            assertThat(value(handoff, LOCK)).as("the request thread waited for the pool (Future.get)")
                    .isGreaterThan(0.04);

            // once no scope touches it any more, the span's totals go to the histograms, once
            java.util.Map<String, long[]> drained = new java.util.concurrent.ConcurrentHashMap<>();
            publisher.drainSpanBreakdowns(0, (name, route, nanos) -> drained.put(name, nanos.clone()));
            assertThat(drained).containsKey("handoff");
            assertThat(drained.get("handoff")[KernelTimes.CPU] / 1e9).as("drained CPU equals the attribute")
                    .isEqualTo(value(handoff, CPU));
            drained.clear();
            publisher.drainSpanBreakdowns(0, (name, route, nanos) -> drained.put(name, nanos.clone()));
            assertThat(drained).as("each span is drained once").doesNotContainKey("handoff");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * As the OpenTelemetry Java agent propagates a context into an executor: the scope wraps the
     * whole task, so the pool thread completes the request's future, which wakes the request
     * thread, before its own scope closes. A pool thread then held back (preempted on a busy
     * machine; here it waits on purpose) closes its scope after the request's span ended: what it
     * did before it completed the future must still be in the span.
     */
    @Test
    void aPoolThreadWhoseScopeClosesAfterTheSpanEndedStillCountsInIt() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "breakdown-late-pool"));
        try {
            long[] poolCpu = new long[1];
            SpanData late = spanOfATaskClosingLate("late-pool", pool, () -> {
                poolCpu[0] = burnCpu(30);
                sleepQuietly(30);
            });
            assertThat(value(late, CPU)).as("the pool thread's CPU is in the request's span: %s", late.getAttributes())
                    .isGreaterThanOrEqualTo(poolCpu[0] / 1e9 * 0.9);
            assertThat(value(late, SLEEP)).as("the pool thread's sleep: %s", late.getAttributes()).isGreaterThan(0.025);
            assertThat(value(late, LOCK)).as("the request thread waited for the pool: %s", late.getAttributes())
                    .isGreaterThan(0.04);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The same with a virtual thread per task: its time is its carriers' while it was mounted,
     * which it keeps readable for the request thread's close.
     */
    @Test
    void aVirtualTaskWhoseScopeClosesAfterTheSpanEndedStillCountsInIt() throws Exception {
        Assumptions.assumeTrue(virtualHooked, "virtual threads are not followed in this JVM");
        try (ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor()) {
            long[] taskCpu = new long[1];
            SpanData late = spanOfATaskClosingLate("late-virtual", virtualThreads, () -> taskCpu[0] = burnCarrierCpu(30));
            assertThat(value(late, CPU)).as("the virtual task's CPU is in the request's span: %s", late.getAttributes())
                    .isGreaterThanOrEqualTo(taskCpu[0] / 1e9 * 0.9);
            assertThat(value(late, LOCK)).as("the request thread waited for the task").isGreaterThan(0.02);
        }
    }

    /**
     * A span whose scope hands {@code work} to {@code executor} with its context, as the
     * OpenTelemetry Java agent does (the task's scope around the whole task), and waits for it;
     * the task completes the span's future and then waits, with its scope open, until the span
     * has ended.
     */
    private static SpanData spanOfATaskClosingLate(String name, ExecutorService executor, Runnable work)
            throws Exception {
        Span request = tracer.spanBuilder(name).startSpan();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Future<?> task;
        try (Scope r = request.makeCurrent()) {
            task = executor.submit(Context.current().wrap(() -> {
                work.run();
                done.complete(null);
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            done.get();
        } finally {
            request.end();
        }
        release.countDown();
        task.get();
        return span(name);
    }

    /**
     * Spins until the OS thread under the calling (virtual) thread used {@code millis} of CPU, by
     * its schedstat (a virtual thread stays mounted while it spins); answers the CPU time used.
     */
    private static long burnCarrierCpu(long millis) {
        long start = carrierOnCpuNanos();
        long x = 1;
        long now;
        do {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            now = carrierOnCpuNanos();
        } while (now - start < millis * 1_000_000L);
        if (x == 42) {
            System.out.println(x);
        }
        return now - start;
    }

    private static long carrierOnCpuNanos() {
        try {
            String line = Files.readString(Path.of("/proc/thread-self/schedstat")).trim();
            return Long.parseLong(line.substring(0, line.indexOf(' ')));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A context derived from the current one (baggage, an instrumentation's key) made current in a
     * span's scope has the same span: its scope's time is already in the enclosing scope's.
     */
    @Test
    void aDerivedContextOfTheSameSpanCountsItsTimeOnce() throws Exception {
        Span span = tracer.spanBuilder("derived-context").startSpan();
        try (Scope outer = span.makeCurrent()) {
            try (Scope derived = Context.current().with(io.opentelemetry.context.ContextKey.named("k"), "v")
                    .makeCurrent()) {
                sleepQuietly(30);
            }
        } finally {
            span.end();
        }
        SpanData d = span("derived-context");
        assertThat(value(d, SLEEP)).as("the 30 ms sleep, once: %s", d.getAttributes()).isGreaterThan(0.025)
                .isLessThan(0.045);
    }

    @Test
    void twoCpuBoundRequestsOnOneCoreWaitForEachOther() throws Exception {
        CountDownLatch ready = new CountDownLatch(2);
        CountDownLatch go = new CountDownLatch(1);
        Thread[] workers = new Thread[2];
        for (int i = 0; i < 2; i++) {
            String name = "one-core-" + i;
            workers[i] = new Thread(() -> {
                pinToCpu0();
                ready.countDown();
                awaitQuietly(go);
                inSpan(name, () -> burnCpu(100));
            }, name);
            workers[i].start();
        }
        ready.await();
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        for (int i = 0; i < 2; i++) {
            SpanData data = span("one-core-" + i);
            assertThat(value(data, RUNQ)).as("%s waited for the CPU the other one used", data.getName())
                    .isGreaterThan(0.02);
        }
    }

    @Test
    void aSystemGcInTheSpanIsItsGcPauseAndSafepointTime() throws Exception {
        java.util.List<java.lang.management.GarbageCollectorMXBean> collectors =
                ManagementFactory.getGarbageCollectorMXBeans();
        long[] gcMillis = new long[1];
        // a pause before the scope, not in it
        System.gc();
        inSpan("before-gc", () -> burnCpu(5));
        inSpan("gc", () -> {
            long before = collectorMillis(collectors);
            System.gc();
            gcMillis[0] = collectorMillis(collectors) - before;
        });
        assertThat(gcMillis[0]).as("precondition: the collectors report a pause").isPositive();
        SpanData gc = span("gc");
        // the collectors' own figure: whole milliseconds of their pause timers
        double expected = gcMillis[0] / 1e3;
        assertThat(value(gc, GC)).as("GC pause overlap against the GarbageCollectorMXBeans' %d ms (%s)", gcMillis[0],
                gc.getAttributes()).isBetween(expected - Math.max(expected * 0.10, 0.002),
                expected + Math.max(expected * 0.10, 0.002));
        assertThat(value(gc, SAFEPOINT)).as("the safepoint of the collection contains its GC pause")
                .isGreaterThanOrEqualTo(value(gc, GC))
                .isLessThanOrEqualTo(scopeWall.get("gc") / 1e9);
        assertThat(value(span("before-gc"), GC)).as("no pause while the earlier span was open").isZero();
    }

    private static long collectorMillis(java.util.List<java.lang.management.GarbageCollectorMXBean> collectors) {
        long sum = 0;
        for (var c : collectors) {
            // G1's concurrent cycle is no pause; the pauses are in the other beans
            if (!c.getName().contains("Concurrent")) {
                sum += Math.max(0, c.getCollectionTime());
            }
        }
        return sum;
    }

    @Test
    void bytesAndCallsOfReadsAndWritesAgainstTheThreadsProcIo(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("io.bin");
        Files.write(file, new byte[3 << 20]);
        long[] before = new long[4];
        long[] after = new long[4];
        // The kernel's accounting reaches the span at the thread's switch-outs: the slice the
        // scope closes in is counted by the next one. The sleeps at both ends make the scope's
        // first and last slices end inside it, so that the span must match /proc exactly.
        sleepQuietly(2);
        inSpan("io", () -> {
            procIo(before);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
                for (int i = 0; i < 3; i++) {
                    buffer.clear();
                    ch.read(buffer, (long) i << 20);
                }
                buffer.clear();
                ch.write(buffer.limit(256 << 10), 0);
                ch.force(false);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            procIo(after);
            sleepQuietly(2);
        });
        SpanData io = span("io");
        long readBytes = after[0] - before[0];
        long writeBytes = after[1] - before[1];
        assertThat(readBytes).as("precondition: /proc saw the reads").isGreaterThanOrEqualTo(3L << 20);
        // the two /proc reads themselves are read calls of their own, of a few hundred bytes
        assertThat(longValue(io, READ_BYTES)).as("read bytes against /proc/thread-self/io (%s)", io.getAttributes())
                .isBetween(readBytes - 4096, readBytes + 4096);
        assertThat(longValue(io, WRITE_BYTES)).as("written bytes against /proc/thread-self/io (%s)", io.getAttributes())
                .isBetween(writeBytes, writeBytes + 4096).isGreaterThanOrEqualTo(256L << 10);
        assertThat(longValue(io, READ_CALLS)).as("read calls").isBetween(after[2] - before[2] - 3, after[2] - before[2] + 3);
        assertThat(longValue(io, WRITE_CALLS)).as("write calls").isBetween(after[3] - before[3], after[3] - before[3] + 3);
    }

    /**
     * {@code spans.breakdown} switched off and on while the probes run (what the agent does for a
     * live setting change): nothing is accounted while off, a scope open across the switch is not
     * accounted at all, and a thread that got its slot while off gets no I/O values until the
     * kernel has stored its I/O accounting at a switch-out, then exact ones.
     */
    @Test
    void switchedOffAndOnWhileRunning(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("switch.bin");
        long[] cpuOn = new long[1];
        long[] before = new long[4];
        long[] after = new long[4];
        Throwable[] failed = new Throwable[1];
        publisher.stopKernelTimes();
        sched.setSpanTimes(false);
        try {
            assertThat(sched.spanTimesOn()).as("the kernel side is off").isFalse();
            // a thread of its own: it gets its span-context slot while the breakdown is off
            Thread worker = new Thread(() -> {
                try {
                    inSpan("switch-off", () -> burnCpu(20));
                    Span across = tracer.spanBuilder("switch-across").startSpan();
                    try (Scope s = across.makeCurrent()) {
                        burnCpu(5);
                        sched.setSpanTimes(true);
                        publisher.readKernelTimes(sched.spanTimes(), jvm.pauseClocks());
                        // no switch-out yet: the kernel has not stored this thread's I/O accounting
                        inSpan("switch-first", () -> {
                            writeBytes(file, 64 << 10);
                            sleepQuietly(2);
                        });
                        // the slice running at the switch was not counted; the sleep above started the next
                        inSpan("switch-cpu", () -> cpuOn[0] = burnCpu(20));
                        sleepQuietly(2);
                        inSpan("switch-later", () -> {
                            procIo(before);
                            writeBytes(file, 256 << 10);
                            procIo(after);
                            sleepQuietly(2);
                        });
                        burnCpu(5);
                    } finally {
                        across.end();
                    }
                } catch (Throwable t) {
                    failed[0] = t;
                }
            }, "breakdown-switch");
            worker.start();
            worker.join();
        } finally {
            sched.setSpanTimes(true);
            publisher.readKernelTimes(sched.spanTimes(), jvm.pauseClocks());
        }
        assertThat(failed[0]).as("the worker's own failure").isNull();
        for (String name : java.util.List.of("switch-off", "switch-across", "switch-first", "switch-cpu", "switch-later")) {
            System.out.printf("%s: %s%n", name, span(name).getAttributes());
        }
        assertThat(span("switch-off").getAttributes().asMap().keySet()).as("no kernel.* while off")
                .noneMatch(k -> k.getKey().startsWith("kernel."));
        assertThat(span("switch-across").getAttributes().asMap().keySet()).as("no kernel.* for a scope across the switch")
                .noneMatch(k -> k.getKey().startsWith("kernel."));
        assertWithin("CPU of a span after the switch", value(span("switch-cpu"), CPU), cpuOn[0]);
        SpanData first = span("switch-first");
        // Unknown until the kernel stores the thread's I/O accounting at a switch-out: no value when
        // none came between the switch and the scope's opening, the exact one when one did (a
        // preemption, a page fault); never the difference against a stale or zero baseline.
        Long firstBytes = first.getAttributes().get(WRITE_BYTES);
        if (firstBytes != null) {
            assertThat(firstBytes).as("I/O of a scope opened right after the switch (%s)", first.getAttributes())
                    .isBetween(64L << 10, (64L << 10) + 4096);
        }
        SpanData later = span("switch-later");
        long written = after[1] - before[1];
        assertThat(written).as("precondition: /proc saw the write").isGreaterThanOrEqualTo(256L << 10);
        assertThat(longValue(later, WRITE_BYTES)).as("written bytes against /proc/thread-self/io (%s)",
                later.getAttributes()).isBetween(written, written + 4096);
    }

    private static void writeBytes(Path file, int bytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(bytes), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What one request measured around each of its parts, in ns. */
    private record Request(long cpu, long lockWall, long sleepWall, long fsyncWall, long lockBlocked,
            long sleepBlocked, long fsyncBlocked, long fsyncForce) {
    }

    /** One request span with four child spans: a CPU burn, a contended lock, a sleep, a write and fsync. */
    private static Request runRequest(Path dir) throws Exception {
        Files.createDirectories(dir);
        ReentrantLock lock = new ReentrantLock();
        Span request = tracer.spanBuilder("request").startSpan();
        long[] cpu = new long[1];
        long[] lockWall = new long[1];
        long[] sleepWall = new long[1];
        long[] fsyncWall = new long[1];
        long[] lockBlocked = new long[1];
        long[] sleepBlocked = new long[1];
        long[] fsyncBlocked = new long[1];
        try (Scope r = request.makeCurrent()) {
            inSpan("cpu", () -> cpu[0] = burnCpu(20));
            CountDownLatch held = new CountDownLatch(1);
            Thread holder = new Thread(() -> {
                lock.lock();
                try {
                    held.countDown();
                    sleepQuietly(30);
                } finally {
                    lock.unlock();
                }
            }, "lock-holder");
            holder.start();
            held.await();
            inSpan("lock", () -> {
                long begin = System.nanoTime();
                lockBlocked[0] = blockedNanos(lock::lock);
                lockWall[0] = System.nanoTime() - begin;
                lock.unlock();
            });
            holder.join();
            inSpan("sleep", () -> {
                long begin = System.nanoTime();
                sleepBlocked[0] = blockedNanos(() -> sleepQuietly(40));
                sleepWall[0] = System.nanoTime() - begin;
            });
            long[] forceWall = new long[1];
            inSpan("fsync", () -> {
                long begin = System.nanoTime();
                fsyncBlocked[0] = blockedNanos(() -> forceWall[0] = writeAndFsync(dir.resolve("data.bin")));
                fsyncWall[0] = System.nanoTime() - begin;
            });
            assertThat(forceWall[0]).as("precondition: fsync waited for a device").isGreaterThan(500_000L);
            return new Request(cpu[0], lockWall[0], sleepWall[0], fsyncWall[0], lockBlocked[0], sleepBlocked[0],
                    fsyncBlocked[0], forceWall[0]);
        } finally {
            request.end();
        }
    }

    /**
     * Runs {@code body} and answers how long the calling thread was blocked in it: its wall time
     * minus its CPU time (the thread CPU clock) minus its run-queue wait (run_delay of
     * /proc/thread-self/schedstat, which the kernel brings up to date at every switch-in).
     */
    private static long blockedNanos(Runnable body) {
        // nested so that the wall time covers everything the other two measure: the window holds
        // nothing but CPU time, run-queue waits and blocked time
        long t0 = System.nanoTime();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long delay0 = runDelay();
        body.run();
        long delay1 = runDelay();
        long cpu1 = threads.getCurrentThreadCpuTime();
        long t1 = System.nanoTime();
        System.out.printf("blocked: wall %.2f ms, cpu %.2f ms, run delay %.2f ms%n", (t1 - t0) / 1e6,
                (cpu1 - cpu0) / 1e6, (delay1 - delay0) / 1e6);
        return (t1 - t0) - (cpu1 - cpu0) - (delay1 - delay0);
    }

    private static long runDelay() {
        try {
            return Long.parseLong(Files.readString(Path.of("/proc/thread-self/schedstat")).trim().split(" ")[1]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everySystemCallOfTheSpanCountedWhileTheSyscallsProbeRuns() throws Exception {
        int n = 5000;
        long[] before = new long[4];
        long[] after = new long[4];
        try (java.io.RandomAccessFile zero = new java.io.RandomAccessFile("/dev/zero", "r")) {
            // RandomAccessFile.read() is one read(2) of one byte: the kernel's syscr counts them too
            Runnable reads = () -> {
                try {
                    for (int i = 0; i < n; i++) {
                        zero.read();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            };
            try (io.ebpfagent.probes.SyscallsProbe syscalls = io.ebpfagent.probes.SyscallsProbe.start(
                    io.ebpfagent.probes.SyscallsProbe.Config.defaults(), shared, sched.spanTimesMap())) {
                // the first span of a thread loads classes (reads of jar files): not in the measured one
                inSpan("syscalls-warm-up", reads);
                procIo(before);
                inSpan("syscalls-on", reads);
                procIo(after);
                assertThat(syscalls.forEach((tid, nr, count, errors, totalNs, maxNs) -> { })).isPositive();
            }
            inSpan("syscalls-off", reads);
        }
        long syscr = after[2] - before[2];
        // /proc/thread-self/io's own reads (the second one returns end of file) are outside the span
        assertThat(syscr).as("precondition: the thread's syscr saw the reads").isBetween((long) n, n + 4L);
        SpanData on = span("syscalls-on");
        // beyond the reads: at most a few calls of the JVM on this thread (a safepoint's futex wait)
        assertThat(longValue(on, SYSCALLS)).as("kernel.syscalls against the thread's syscr %d (%s)", syscr,
                on.getAttributes()).isBetween(syscr - 4, syscr + 20);
        SpanData off = span("syscalls-off");
        assertThat(off.getAttributes().get(SYSCALLS)).as("no kernel.syscalls without the probe (%s)",
                off.getAttributes()).isNull();
    }

    /** rchar, wchar, syscr, syscw of the calling thread. */
    private static void procIo(long[] into) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/io"))) {
                String[] kv = line.split(":\\s*");
                int i = java.util.List.of("rchar", "wchar", "syscr", "syscw").indexOf(kv[0]);
                if (i >= 0) {
                    into[i] = Long.parseLong(kv[1].trim());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long longValue(SpanData data, AttributeKey<Long> key) {
        Long v = data.getAttributes().get(key);
        return v == null ? 0 : v;
    }

    /**
     * A wait's wall time is its blocked time, the run-queue wait after the wake-up (long on a
     * loaded machine) and a little CPU; nothing of it may land in another cause.
     */
    private static void assertWait(String what, SpanData data, AttributeKey<Double> bucket, long wallNanos) {
        double blocked = value(data, bucket);
        assertTotalBounded(what, data, bucket, wallNanos);
        assertThat(blocked + value(data, RUNQ)).as(what + ": the blocked part dominates (%s)", data.getAttributes())
                .isGreaterThan(wallNanos / 1e9 * 0.5);
        assertNothingIn(what, data, java.util.stream.Stream.of(LOCK, SLEEP, DISK, NET, OTHER)
                .filter(k -> !k.equals(bucket)).toArray(AttributeKey[]::new));
    }

    private static void assertTotalBounded(String what, SpanData data, AttributeKey<Double> bucket, long wallNanos) {
        // every part of the scope's time, whatever its cause: the cause itself is checked apart
        double total = java.util.stream.Stream.of(CPU, RUNQ, LOCK, NET, DISK, SLEEP, OTHER).mapToDouble(k -> value(data, k))
                .sum();
        // measured inside the scope: a preemption just before or after the measured call is in the
        // kernel's total but not in wallNanos, so the scope's own wall time bounds it from above
        long scope = scopeWall.get(data.getName());
        assertThat(total).as("%s: all kernel time (%s) between the call's wall time %.2f ms and the scope's"
                + " %.2f ms", what, data.getAttributes(), wallNanos / 1e6, scope / 1e6)
                .isBetween(wallNanos / 1e9 - Math.max(wallNanos / 1e9 * 0.10, 0.002),
                        scope / 1e9 + Math.max(scope / 1e9 * 0.10, 0.002));
    }

    @SafeVarargs
    private static void assertNothingIn(String what, SpanData data, AttributeKey<Double>... wrong) {
        for (AttributeKey<Double> key : wrong) {
            // A thread stopped at a safepoint waits in the JVM's futex: lock wait, rightly. A GC
            // during a test's fsync once put its 23 ms pause there. The thread whose allocation
            // asked for the GC waits from its request until the VM thread has finished, which on
            // a loaded 2-CPU machine is the safepoint plus the VM thread's wake-ups around it (a
            // 20.9 ms safepoint once came with 23.8 ms of lock wait).
            double safepoint = value(data, SAFEPOINT);
            double allowed = 0.002 + (key.equals(LOCK) && safepoint > 0 ? safepoint + 0.005 : 0);
            assertThat(value(data, key)).as("%s: nothing in %s (%s)", what, key.getKey(), data.getAttributes())
                    .isLessThan(allowed);
        }
    }

    private static void assertWithin(String what, double seconds, long expectedNanos) {
        double expected = expectedNanos / 1e9;
        double tolerance = Math.max(expected * 0.10, 0.002);
        assertThat(seconds).as("%s: %.2f ms against %.2f ms", what, seconds * 1e3, expected * 1e3)
                .isBetween(expected - tolerance, expected + tolerance);
    }

    private static double value(SpanData data, AttributeKey<Double> key) {
        Double v = data.getAttributes().get(key);
        return v == null ? 0 : v;
    }

    private static SpanData span(String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no span " + name));
    }

    /** Wall time around each span's scope (open to close), by span name: an upper bound of its kernel time. */
    private static final java.util.Map<String, Long> scopeWall = new java.util.concurrent.ConcurrentHashMap<>();

    private static void inSpan(String name, Runnable body) {
        Span span = tracer.spanBuilder(name).startSpan();
        long begin = System.nanoTime();
        try (Scope s = span.makeCurrent()) {
            body.run();
        } finally {
            scopeWall.put(name, System.nanoTime() - begin);
            span.end();
        }
    }

    /** Spins until this thread used {@code millis} of CPU; answers the CPU time used, in ns. */
    private static long burnCpu(long millis) {
        long start = threads.getCurrentThreadCpuTime();
        long x = 1;
        long now;
        do {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            now = threads.getCurrentThreadCpuTime();
        } while (now - start < millis * 1_000_000L);
        if (x == 42) {
            System.out.println(x);
        }
        return now - start;
    }

    private static long writeAndFsync(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1 << 20));
            long begin = System.nanoTime();
            ch.force(true);
            return System.nanoTime() - begin;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** sched_setaffinity(0, ...) for the calling thread: CPU 0 only. */
    private static void pinToCpu0() {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle setaffinity = linker.downcallHandle(linker.defaultLookup().find("sched_setaffinity").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS));
            MemorySegment mask = arena.allocate(128);
            mask.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            int rc = (int) setaffinity.invokeExact(0, 128L, mask);
            assertThat(rc).as("sched_setaffinity").isZero();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
