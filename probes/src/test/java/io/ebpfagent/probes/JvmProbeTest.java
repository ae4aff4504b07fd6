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
            assertEquals(JvmProbe.PROBES.stream().filter(p -> !JvmProbe.CLASS_PROBES.contains(p)).toList(),
                    probe.attachedProbes(), "every hotspot probe but the class ones is in Temurin's libjvm.so");
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

    /** Classes of java.desktop (which nothing here loads otherwise), by name. */
    private static java.util.List<String> desktopClasses() throws java.io.IOException {
        var fs = java.nio.file.FileSystems.getFileSystem(java.net.URI.create("jrt:/"));
        var root = fs.getPath("/modules/java.desktop");
        try (var paths = java.nio.file.Files.walk(root)) {
            return paths.map(p -> root.relativize(p).toString())
                    .filter(n -> n.endsWith(".class") && !n.contains("module-info") && n.startsWith("javax/swing/"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .sorted().toList();
        }
    }

    private static int load(java.util.List<String> classes) {
        int n = 0;
        for (String c : classes) {
            try {
                Class.forName(c, false, JvmProbeTest.class.getClassLoader());
                n++;
            } catch (ClassNotFoundException | LinkageError e) {
                // not loadable here: not counted
            }
        }
        return n;
    }

    @Test
    void classLoadsRunNoProgramUnlessClassEventsAreOn() throws Exception {
        java.util.List<String> classes = desktopClasses();
        assertTrue(classes.size() > 400, "javax.swing classes to load: " + classes.size());
        try (SharedMaps shared = SharedMaps.create();
             JvmProbe probe = JvmProbe.start(JvmProbe.Config.defaults(), shared)) {
            assertTrue(probe.attachedProbes().stream().noneMatch(JvmProbe.CLASS_PROBES::contains),
                    "no class probe attached: " + probe.attachedProbes());
            int loaded = load(classes.subList(0, 200));
            assertTrue(loaded > 150, "loaded " + loaded);
            assertEquals(0, probe.classesLoaded(), "no program ran at the class loads");
        }
        var names = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        try (SharedMaps shared = SharedMaps.create();
             JvmProbe probe = JvmProbe.start(JvmProbe.Config.defaults().withClassLoadEvents(true), shared);
             ProbeEvents pe = new ProbeEvents(new EventListener() {
                 @Override
                 public void classLoaded(io.ebpfagent.probes.events.ClassEvent e) {
                     names.add(e.name());
                 }
             }).add(probe)) {
            assertTrue(probe.attachedProbes().containsAll(JvmProbe.CLASS_PROBES), "" + probe.attachedProbes());
            java.util.List<String> batch = classes.subList(200, 400);
            int loaded = load(batch);
            // some of the batch may have come in already as supertypes of the first one
            assertTrue(probe.classesLoaded() > loaded / 2, probe.classesLoaded() + " counted, " + loaded + " loaded");
            var wanted = new java.util.HashSet<String>();
            batch.forEach(c -> wanted.add(c.replace('.', '/')));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (names.stream().filter(wanted::contains).count() <= loaded / 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(names.stream().filter(wanted::contains).count() > loaded / 2,
                    "events name the classes loaded: " + names.stream().limit(5).toList() + " of " + names.size());
        }
    }

    @Test
    void memoryPoolProbesOnlyWithMemoryPoolEvents() throws Exception {
        var pools = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        try (SharedMaps shared = SharedMaps.create();
             JvmProbe probe = JvmProbe.start(JvmProbe.Config.defaults(), shared);
             ProbeEvents pe = new ProbeEvents(new EventListener() {
                 @Override
                 public void memPoolGc(io.ebpfagent.probes.events.MemPoolEvent e) {
                     pools.add(e.pool());
                 }
             }).add(probe)) {
            assertTrue(probe.attachedProbes().containsAll(JvmProbe.MEM_POOL_PROBES), "" + probe.attachedProbes());
            System.gc();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (pools.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(pools.isEmpty(), "a pool's usage around the collection");
        }
        try (SharedMaps shared = SharedMaps.create();
             JvmProbe probe = JvmProbe.start(JvmProbe.Config.defaults().withMemPoolEvents(false), shared)) {
            assertTrue(probe.attachedProbes().stream().noneMatch(JvmProbe.MEM_POOL_PROBES::contains),
                    "no memory-pool probe attached: " + probe.attachedProbes());
            assertTrue(probe.attachedProbes().containsAll(java.util.List.of("gc__begin", "gc__end")));
        }
    }
}
