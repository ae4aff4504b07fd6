package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.probes.events.EventListener;
import io.ebpfagent.probes.events.GcEvent;
import io.ebpfagent.probes.events.ProbeEvents;
import io.ebpfagent.probes.events.ThreadEvent;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
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
}
