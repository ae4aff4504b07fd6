package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.probes.layout.SyscallsLayouts;
import io.ebpfagent.probes.layout.SyscallsLayouts.SyscallKey;
import io.ebpfagent.probes.layout.SyscallsLayouts.SyscallStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code syscalls.bpf.o}: count, errors, total/max time and a latency histogram per (thread,
 * syscall number); slow calls as events.
 */
public final class SyscallsProbe extends ProbeBase implements Probe {
    /**
     * @param slowSyscallNs  calls at least this long become events (0: none)
     * @param histograms     keep the latency histograms
     * @param slowExclude    512-bit mask of syscall numbers never reported as slow (8 words), or
     *                       null for the object's default (calls a JVM blocks in by design)
     * @param fileIoSpanNs   the io probe runs and reports reads/writes of regular files at least
     *                       this long itself: no slow-syscall event for them (0: it does not)
     * @param fileSyncSpanNs the same for fsync/fdatasync
     */
    public record Config(int targetTgid, long slowSyscallNs, boolean histograms, long[] slowExclude,
                         long fileIoSpanNs, long fileSyncSpanNs) {
        public Config {
            Rodata.requireNonNegative("slowSyscallNs", slowSyscallNs);
            Rodata.requireNonNegative("fileIoSpanNs", fileIoSpanNs);
            Rodata.requireNonNegative("fileSyncSpanNs", fileSyncSpanNs);
            if (slowExclude != null && slowExclude.length != 8) {
                throw new IllegalArgumentException("slowExclude needs 8 words, has " + slowExclude.length);
            }
            slowExclude = slowExclude == null ? null : slowExclude.clone();
        }

        /** Without an io probe beside it: every slow call becomes an event here. */
        public Config(int targetTgid, long slowSyscallNs, boolean histograms, long[] slowExclude) {
            this(targetTgid, slowSyscallNs, histograms, slowExclude, 0, 0);
        }

        public static Config defaults() {
            return new Config(Probe.currentPid(), 10_000_000L, true, null);
        }
    }

    /** Receives the statistics of one (thread, syscall). */
    @FunctionalInterface
    public interface Visitor {
        void accept(int tid, int nr, long count, long errors, long totalNs, long maxNs);
    }

    private static final String SPAN_TIMES_MAP = "span_times";
    private static final String CHAINED_ENTER = "chained_enter";
    private static final String CHAINED_EXIT = "chained_exit";
    private final Arena arena = Arena.ofShared();
    private final BpfMap stats;
    private final int[] single = new int[1];
    private final MapCursor cursor;
    private final MemorySegment key;
    private final MemorySegment value;

    private SyscallsProbe(Config c, SharedMaps shared, BpfMap spanTimes) {
        super(BundledObject.SYSCALLS, c.targetTgid(), spec -> {
            SyscallsLayouts.Rodata.setSpanSyscalls(spec, spanTimes != null);
            if (spanTimes == null) {
                // nothing counted into it: no 2 MB array of its own
                unused(spec, SPAN_TIMES_MAP);
            }
            SyscallsLayouts.Rodata.setSlowSyscallNs(spec, c.slowSyscallNs());
            SyscallsLayouts.Rodata.setSyscallHistograms(spec, c.histograms());
            SyscallsLayouts.Rodata.setFileIoSpanNs(spec, c.fileIoSpanNs());
            SyscallsLayouts.Rodata.setFileSyncSpanNs(spec, c.fileSyncSpanNs());
            if (c.slowExclude() != null) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (long w : c.slowExclude()) {
                    b.putLong(w);
                }
                spec.variable("slow_exclude").set(b.array());
            }
        }, Attacher.NONE, shared, java.util.Map.of(),
                spanTimes == null ? java.util.Map.of() : java.util.Map.of(SPAN_TIMES_MAP, spanTimes));
        this.stats = loaded.map("syscall_stats");
        this.cursor = new MapCursor(stats, arena);
        this.key = arena.allocate(SyscallKey.SIZE, 8);
        this.value = arena.allocate(stats.valueBufferSize(), 8);
    }

    public static SyscallsProbe start(Config config, SharedMaps shared) {
        return new SyscallsProbe(config, shared, null);
    }

    /**
     * Also counts every system call of a thread that has a span-context slot into its entry of
     * {@code spanTimes}, the sched probe's {@link SchedProbe#spanTimesMap()} (null: no counting).
     */
    public static SyscallsProbe start(Config config, SharedMaps shared, BpfMap spanTimes) {
        return new SyscallsProbe(config, shared, spanTimes);
    }

    /**
     * Runs {@code enter} and {@code exit} (the io probe's programs on the same two hooks) at the
     * end of this probe's own, through a tail call, instead of on hooks of their own: one program
     * run per system call and hook instead of two. Until {@link #unchain} or this probe's close.
     */
    synchronized void chain(io.ebpfagent.loader.programs.Program enter, io.ebpfagent.loader.programs.Program exit) {
        loaded.map(CHAINED_ENTER).update(u32(0), u32(enter.fd().get()), BpfMap.ANY);
        try {
            loaded.map(CHAINED_EXIT).update(u32(0), u32(exit.fd().get()), BpfMap.ANY);
        } catch (RuntimeException e) {
            loaded.map(CHAINED_ENTER).delete(0);
            throw e;
        }
    }

    /** Stops calling the chained programs (their probe is closing); nothing when this one is closed. */
    synchronized void unchain() {
        if (isClosed()) {
            return; // the kernel empties a program array once nothing holds it
        }
        loaded.map(CHAINED_ENTER).delete(0);
        loaded.map(CHAINED_EXIT).delete(0);
    }

    /** The per-CPU clock this probe's programs pass to the chained ones (io.bpf.c's {@code hook_now}). */
    BpfMap hookNowMap() {
        return loaded.map(IoProbe.HOOK_NOW);
    }

    /** Whether programs of another probe run at the end of this probe's (see {@link #chain}). */
    public synchronized boolean chained() {
        // a program array's entry reads back as the program's id
        return !isClosed() && loaded.map(CHAINED_ENTER).find(u32(0)).isPresent();
    }

    private static byte[] u32(int v) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(v).array();
    }

    /** Every (thread, syscall) with statistics; returns how many. Allocation free. */
    public synchronized int forEach(Visitor visitor) {
        int n = 0;
        cursor.reset();
        while (cursor.next()) {
            MemorySegment k = cursor.key();
            MemorySegment v = cursor.value();
            visitor.accept(k.get(JAVA_INT, SyscallKey.TID), k.get(JAVA_INT, SyscallKey.NR),
                    v.get(JAVA_LONG, SyscallStats.COUNT), v.get(JAVA_LONG, SyscallStats.ERRORS),
                    v.get(JAVA_LONG, SyscallStats.TOTAL_NS), v.get(JAVA_LONG, SyscallStats.MAX_NS));
            n++;
        }
        return n;
    }

    /** Number of calls of syscall {@code nr} by thread {@code tid}, 0 when none were seen. */
    public synchronized long count(int tid, int nr) {
        return lookup(tid, nr) ? value.get(JAVA_LONG, SyscallStats.COUNT) : 0;
    }

    /** Copies the latency histogram of (tid, nr) into {@code into}; false when absent. */
    public synchronized boolean histogram(int tid, int nr, long[] into) {
        if (!lookup(tid, nr)) {
            return false;
        }
        Hist.copy(value, SyscallStats.LAT, into);
        return true;
    }

    /** Removes every entry of thread {@code tid} (after its last read, once it exited). */
    public synchronized int removeThread(int tid) {
        single[0] = tid;
        return cursor.removeThreads((int) SyscallKey.TID, single, 1);
    }

    /** Removes every entry of the threads {@code tids[0..count)} in one walk of the map. */
    public synchronized int removeThreads(int[] tids, int count) {
        return cursor.removeThreads((int) SyscallKey.TID, tids, count);
    }

    private boolean lookup(int tid, int nr) {
        key.set(JAVA_INT, SyscallKey.TID, tid);
        key.set(JAVA_INT, SyscallKey.NR, nr);
        return stats.lookup(key, value);
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
