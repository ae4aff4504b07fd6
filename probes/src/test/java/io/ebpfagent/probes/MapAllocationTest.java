package io.ebpfagent.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.maps.MapFlags;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MapAllocationTest {
    @BeforeAll
    static void root() {
        KernelTests.assumeRoot();
    }

    @Test
    void perThreadMapsAllocateOnFirstWriteWhereTheKernelAllowsItAndStillCountEveryThread() throws Exception {
        boolean safe = MapAllocation.safeInTracingPrograms();
        // independently of the BTF check: every 6.1+ kernel allocates hash map entries from bpf_mem_alloc
        if (atLeast(System.getProperty("os.version"), 6, 1)) {
            assertTrue(safe, "Linux " + System.getProperty("os.version") + " without struct bpf_mem_alloc in its BTF");
        }
        try (SharedMaps shared = SharedMaps.create();
             SchedProbe sched = SchedProbe.start(SchedProbe.Config.defaults(), shared);
             FaultsProbe faults = FaultsProbe.start(FaultsProbe.Config.defaults().withMinorPeriod(0), shared);
             JvmProbe jvm = JvmProbe.start(JvmProbe.Config.defaults(), shared)) {
            List<BpfMap> maps = List.of(sched.loaded.map("sched_stats"), sched.loaded.map("tid_slot"),
                    faults.loaded.map("fault_stats"), jvm.loaded.map("monitor_begin"));
            for (BpfMap m : maps) {
                // as the kernel reports the map, not as it was asked for
                assertEquals(safe, (m.info().flags() & MapFlags.NO_PREALLOC) != 0, m.name() + " flags");
            }

            // entries still appear on the first write: a new thread's CPU time is counted
            int tid = KernelTests.runNamed("alloc-on-write", () -> KernelTests.burn(50));
            AtomicLong oncpu = new AtomicLong();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (oncpu.get() == 0 && System.nanoTime() < deadline) {
                sched.forEachThread((t, on, offVol, offInvol, runq, vs, is, wakeups, migr, exited) -> {
                    if (t == tid) {
                        oncpu.set(on);
                    }
                });
                Thread.sleep(5);
            }
            assertTrue(oncpu.get() >= 30_000_000L, "the new thread's CPU time, " + oncpu.get() + " ns, counted");
        }
    }

    private static boolean atLeast(String release, int major, int minor) {
        String[] parts = release.split("[.-]");
        int ma = Integer.parseInt(parts[0]);
        int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        return ma > major || (ma == major && mi >= minor);
    }
}
