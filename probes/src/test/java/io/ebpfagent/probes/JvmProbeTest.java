package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.probes.events.CompileEvent;
import io.ebpfagent.probes.events.EventListener;
import io.ebpfagent.probes.events.GcEvent;
import io.ebpfagent.probes.events.ProbeEvents;
import io.ebpfagent.probes.events.ThreadEvent;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JvmProbeTest {
    @BeforeAll
    static void root() {
        KernelTests.assumeRoot();
    }

    record Started(String name, long javaId, long nativeTid, boolean daemon, int tid) {
    }

    @ParameterizedTest(name = "per-site uprobes: {0}")
    @ValueSource(booleans = {false, true})
    void threadStartAndGcEvents(boolean perSite) throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             JvmProbe probe = JvmProbe.start(JvmProbe.Config.defaults().withPerSiteUprobes(perSite), shared)) {
            assertEquals(!perSite, probe.multiLink(), "one uprobe_multi link unless asked for per-site uprobes");
            assertEquals(JvmProbe.PROBES, probe.attachedProbes(), "every hotspot probe is in Temurin's libjvm.so");
            assertTrue(probe.missingProbes().isEmpty());
            assertEquals(java.util.Set.of("on_hotspot"), probe.programs().keySet(), "one program serves all probes");
            var started = new CopyOnWriteArrayList<Started>();
            var gcs = new CopyOnWriteArrayList<Long>();
            var gcIntervals = new CopyOnWriteArrayList<long[]>();
            try (ProbeEvents pe = new ProbeEvents(new EventListener() {
                @Override
                public void threadStart(ThreadEvent e) {
                    started.add(new Started(e.name(), e.javaId(), e.nativeTid(), e.daemon(), e.tid()));
                }

                @Override
                public void gc(GcEvent e) {
                    gcs.add(e.durationNs());
                    gcIntervals.add(new long[] {e.startNs(), e.durationNs(), e.full() ? 1 : 0});
                }
            }).add(probe)) {
                AtomicInteger tid = new AtomicInteger();
                Thread t = Thread.ofPlatform().name("jvm-probe-test-thread").start(() -> tid.set(KernelTests.gettid()));
                t.join();
                long gcCalled = System.nanoTime();
                System.gc();
                long gcReturned = System.nanoTime();

                long deadline = System.nanoTime() + 5_000_000_000L;
                Started found = null;
                while ((found == null || gcs.isEmpty()) && System.nanoTime() < deadline) {
                    for (Started s : started) {
                        if (s.name().equals("jvm-probe-test-thread")) {
                            found = s;
                        }
                    }
                    Thread.sleep(20);
                }
                assertTrue(found != null, "thread__start of the new thread: " + started);
                assertEquals(t.threadId(), found.javaId());
                assertEquals(tid.get(), found.nativeTid());
                assertEquals(tid.get(), found.tid(), "the probe fires on the new thread");
                assertFalse(found.daemon());
                assertFalse(gcs.isEmpty(), "gc events after System.gc()");
                assertTrue(gcs.stream().allMatch(d -> d > 0), "gc durations " + gcs);
                // the pause of System.gc(): a full collection inside the call, on the same clock
                assertTrue(gcIntervals.stream().anyMatch(g -> g[2] == 1 && g[0] >= gcCalled
                                && g[0] + g[1] <= gcReturned),
                        "a full GC interval within [" + gcCalled + ", " + gcReturned + "]: "
                                + gcIntervals.stream().map(java.util.Arrays::toString).toList());
            }
        }
    }

    @Test
    void theNameOfAnEndedThreadStaysInTheKernelUntilForgotten() throws Exception {
        try (SharedMaps shared = SharedMaps.create();
             JvmProbe probe = JvmProbe.start(JvmProbe.Config.defaults(), shared)) {
            AtomicInteger tid = new AtomicInteger();
            Thread t = Thread.ofPlatform().name("jvm-probe-name-kept-after-the-end")
                    .start(() -> tid.set(KernelTests.gettid()));
            t.join();
            JvmProbe.JavaThreadName kept = probe.javaThread(tid.get());
            assertTrue(kept != null, "the thread__start of the ended thread is kept");
            // longer than the 15 bytes the kernel keeps of a name
            assertEquals("jvm-probe-name-kept-after-the-end", kept.name());
            assertEquals(t.threadId(), kept.javaId());
            assertFalse(kept.daemon());
            probe.forgetThreads(new int[] {tid.get()}, 1);
            assertEquals(null, probe.javaThread(tid.get()));
        }
    }

    @Test
    void everyCompilationIsCountedWhateverTheEventThreshold() throws Throwable {
        // an hour: no compilation becomes an event, every one is counted
        JvmProbe.Config c = JvmProbe.Config.defaults();
        JvmProbe.Config config = new JvmProbe.Config(c.targetTgid(), c.gcThresholdNs(), c.vmopThresholdNs(),
                3_600_000_000_000L, c.monitorThresholdNs(), false, false);
        try (SharedMaps shared = SharedMaps.create(); JvmProbe probe = JvmProbe.start(config, shared)) {
            var events = new java.util.concurrent.atomic.AtomicLong();
            try (ProbeEvents pe = new ProbeEvents(new EventListener() {
                @Override
                public void compile(CompileEvent e) {
                    events.incrementAndGet();
                }
            }).add(probe)) {
                // counted by the JVM itself (hsperfdata), while the JIT is idle
                long[] before = snapshot(probe);
                long sink = KernelTests.compileMethods(200);
                long[] after = snapshot(probe);
                long jvm = after[0] - before[0];
                assertTrue(jvm >= 200, "precondition: the JVM compiled the methods: " + jvm + " (" + sink + ")");
                assertEquals(jvm, after[1] - before[1], "compilations the probe counted vs the JVM's counters");
                assertEquals(0, events.get(), "no compilation lasted an hour");
            }
        }
    }

    /**
     * {the JVM's compilation count, the probe's} at one moment: the probe read between two JVM
     * reads that agree, once the JIT went idle (waiting up to two minutes each).
     */
    private static long[] snapshot(JvmProbe probe) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (true) {
            long a = KernelTests.awaitJitIdle();
            long p = compilations(probe);
            long b = KernelTests.jvmCompilations();
            if (a == b || System.nanoTime() > deadline) {
                return new long[] {b, p};
            }
        }
    }

    private static long compilations(JvmProbe probe) {
        long[] n = new long[1];
        probe.forEachCompilation((compiler, success, count, totalNs, latency) -> {
            long inHistogram = 0;
            for (long slot : latency) {
                inHistogram += slot;
            }
            // a compilation that began before the probe attached has no duration
            assertTrue(inHistogram <= count && inHistogram >= count - 8,
                    "the timed compilations of " + compiler + " are in its histogram: " + inHistogram + " of " + count);
            n[0] += count;
        });
        return n[0];
    }
}
