package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.link.Links;
import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.loader.sys.Cpus;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.PerfEvent;
import io.ebpfagent.loader.sys.PerfEventAttr;
import io.ebpfagent.probes.layout.FaultsLayouts;
import io.ebpfagent.probes.layout.FaultsLayouts.FaultStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code faults.bpf.o}: minor and major page faults per thread: at every software fault event (one
 * per online CPU and kind) the program copies the faulting thread's own counters, so the values
 * count from the thread's start, as {@code /proc/<pid>/task/<tid>/stat} does.
 */
public final class FaultsProbe extends ProbeBase implements Probe {
    static final long COUNT_SW_PAGE_FAULTS_MIN = 5;
    static final long COUNT_SW_PAGE_FAULTS_MAJ = 6;

    /**
     * @param minorPeriod  one program run per this many minor faults (1: values always current;
     *                     larger: fewer runs, the values lag by up to a period; 0: no minor-fault
     *                     program, for users that take the counts from the sched probe's copy of
     *                     the task's counters at every switch-out: the minor-fault event fires for
     *                     every minor fault of every process on the machine)
     * @param majorPeriod  the same for major faults (at least 1)
     */
    public record Config(int targetTgid, long minorPeriod, long majorPeriod, boolean captureStacks) {
        public Config {
            if (minorPeriod < 0 || majorPeriod < 1) {
                throw new IllegalArgumentException("sample periods must be at least 1 (minor: 0 for none)");
            }
        }

        public static Config defaults() {
            return new Config(Probe.currentPid(), 1, 1, false);
        }

        public Config withMinorPeriod(long value) {
            return new Config(targetTgid, value, majorPeriod, captureStacks);
        }
    }

    @FunctionalInterface
    public interface Visitor {
        void accept(int tid, long minor, long major);
    }

    private final Arena arena = Arena.ofShared();
    private final BpfMap stats;
    private final MapCursor cursor;
    private final MemorySegment key;
    private final MemorySegment value;

    private FaultsProbe(Config c, SharedMaps shared) {
        super(BundledObject.FAULTS, c.targetTgid(), spec -> {
                    MapAllocation.onFirstWrite(spec, "fault_stats");
                    FaultsLayouts.Rodata.setCaptureStacks(spec, c.captureStacks());
                    if (!c.captureStacks()) {
                        unused(spec, "stacks");
                        unused(spec, "fault_stacks");
                    }
                    if (c.minorPeriod() == 0) {
                        spec.programs().remove("on_minor_fault");
                    }
                },
                (lo, programs) -> {
                    if (c.minorPeriod() > 0) {
                        attach(lo, "on_minor_fault", COUNT_SW_PAGE_FAULTS_MIN, c.minorPeriod());
                    }
                    attach(lo, "on_major_fault", COUNT_SW_PAGE_FAULTS_MAJ, c.majorPeriod());
                }, shared);
        this.stats = loaded.map("fault_stats");
        this.cursor = new MapCursor(stats, arena);
        this.key = arena.allocate(JAVA_INT);
        this.value = arena.allocate(FaultStats.SIZE, 8); // not LAYOUT: see NetProbe
    }

    private static void attach(LoadedObject lo, String program, long config, long period) {
        PerfEventAttr attr = PerfEventAttr.of(PerfEventAttr.TYPE_SOFTWARE, config).withSampling(period, false);
        for (int cpu : Cpus.online()) {
            FileDescriptor event = PerfEvent.open(attr, -1, cpu, -1, PerfEvent.FLAG_FD_CLOEXEC);
            lo.own(Links.attachPerfEvent(event, lo.program(program), 0));
        }
    }

    public static FaultsProbe start(Config config, SharedMaps shared) {
        return new FaultsProbe(config, shared);
    }

    public synchronized int forEachThread(Visitor visitor) {
        int n = 0;
        cursor.reset();
        while (cursor.next()) {
            visitor.accept(cursor.key().get(JAVA_INT, 0), cursor.value().get(JAVA_LONG, FaultStats.MINOR),
                    cursor.value().get(JAVA_LONG, FaultStats.MAJOR));
            n++;
        }
        return n;
    }

    /** Minor faults of thread {@code tid} since it started, as of its last counted fault (0: none seen). */
    public synchronized long minorFaults(int tid) {
        key.set(JAVA_INT, 0, tid);
        return stats.lookup(key, value) ? value.get(JAVA_LONG, FaultStats.MINOR) : 0;
    }

    public synchronized long majorFaults(int tid) {
        key.set(JAVA_INT, 0, tid);
        return stats.lookup(key, value) ? value.get(JAVA_LONG, FaultStats.MAJOR) : 0;
    }

    /** Forgets thread {@code tid} (after its last read, once it exited). */
    public synchronized boolean removeThread(int tid) {
        key.set(JAVA_INT, 0, tid);
        return stats.delete(key);
    }

    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        super.close();
        arena.close();
    }
}
