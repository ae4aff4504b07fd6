package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.probes.layout.IoLayouts;
import io.ebpfagent.probes.layout.IoLayouts.IoKey;
import io.ebpfagent.probes.layout.IoLayouts.IoStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code io.bpf.o}: calls, bytes, errors and latency of descriptor I/O per (thread, operation,
 * file type); slow reads/writes, slow fsyncs and opens as events; the bytes of the block requests
 * each thread submits ({@link #OP_DISK_READ}, {@link #OP_DISK_WRITE}).
 */
public final class IoProbe extends ProbeBase implements Probe {
    public static final int OP_READ = 0, OP_WRITE = 1, OP_FSYNC = 2, OP_OPEN = 3;
    /** Block-layer bytes a thread submitted (file type {@link #FT_OTHER}; calls = bios, no latency). */
    public static final int OP_DISK_READ = 4, OP_DISK_WRITE = 5;
    public static final int FT_OTHER = 0, FT_REG = 1, FT_SOCK = 2, FT_PIPE = 3, FT_CHR = 4;

    /**
     * @param slowIoNs          reads/writes at least this long become events (0: none)
     * @param slowIoTypes       file types (bit 1 << FT_*) slow I/O events are reported for
     * @param fsyncThresholdNs  fsync/fdatasync at least this long become events
     * @param openEventsPerSec  rate limit of open events (0: none)
     * @param histograms        keep latency histograms
     */
    public record Config(int targetTgid, long slowIoNs, int slowIoTypes, long fsyncThresholdNs, int openEventsPerSec,
                         boolean histograms) {
        public Config {
            Rodata.requireNonNegative("slowIoNs", slowIoNs);
            Rodata.requireNonNegative("fsyncThresholdNs", fsyncThresholdNs);
            Rodata.requireNonNegative("openEventsPerSec", openEventsPerSec);
        }

        public static Config defaults() {
            return new Config(Probe.currentPid(), 10_000_000L, 1 << FT_REG, 1_000_000L, 200, true);
        }
    }

    /** Receives the statistics of one (thread, operation, file type). */
    @FunctionalInterface
    public interface Visitor {
        void accept(int tid, int op, int fileType, long calls, long bytes, long errors, long totalNs, long maxNs);
    }

    private final Arena arena = Arena.ofShared();
    private final BpfMap stats;
    private final int[] single = new int[1];
    private final MapCursor cursor;
    private final MemorySegment key;
    private final MemorySegment value;

    /** The io programs on the system-call hooks, run from the syscalls probe's when chained. */
    private static final java.util.Set<String> SYSCALL_HOOKS = java.util.Set.of("on_io_sys_enter", "on_io_sys_exit");
    /** The clock the syscalls probe's program read at the current hook (io.bpf.c, syscalls.bpf.c). */
    static final String HOOK_NOW = "hook_now";
    private final SyscallsProbe chainedTo;

    private IoProbe(Config c, SharedMaps shared, SyscallsProbe chainTo) {
        super(BundledObject.IO, c.targetTgid(), spec -> {
            IoLayouts.Rodata.setSlowIoNs(spec, c.slowIoNs());
            IoLayouts.Rodata.setSlowIoTypes(spec, c.slowIoTypes());
            IoLayouts.Rodata.setFsyncThresholdNs(spec, c.fsyncThresholdNs());
            IoLayouts.Rodata.setOpenEventsPerSec(spec, c.openEventsPerSec());
            IoLayouts.Rodata.setIoHistograms(spec, c.histograms());
            // chained, its programs run right after the syscalls probe's, which read the clock
            IoLayouts.Rodata.setClockFromSyscalls(spec, chainTo != null);
        }, chainTo == null ? Attacher.NONE : (lo, rest) -> {
            if (!new java.util.HashSet<>(rest).equals(SYSCALL_HOOKS)) {
                throw new IllegalStateException(lo.object() + ": no attach rule for programs " + rest);
            }
            chainTo.chain(lo.collection().program("on_io_sys_enter"), lo.collection().program("on_io_sys_exit"));
        }, shared, java.util.Map.of(),
                chainTo == null ? java.util.Map.of() : java.util.Map.of(HOOK_NOW, chainTo.hookNowMap()),
                chainTo == null ? java.util.Set.of() : SYSCALL_HOOKS);
        this.chainedTo = chainTo;
        this.stats = loaded.map("io_stats");
        this.cursor = new MapCursor(stats, arena);
        this.key = arena.allocate(IoKey.SIZE, 8);
        this.value = arena.allocate(stats.valueBufferSize(), 8);
    }

    public static IoProbe start(Config config, SharedMaps shared) {
        return new IoProbe(config, shared, null);
    }

    /**
     * With the syscalls probe running: this probe's programs on the system-call hooks run at the
     * end of that probe's (a tail call) instead of on hooks of their own, which saves every system
     * call of the machine a program run per hook, and time their calls with the clock that
     * probe's program has just read. Its other programs attach as usual; closing this probe takes
     * its programs out of the syscalls probe's again.
     */
    public static IoProbe start(Config config, SharedMaps shared, SyscallsProbe chainTo) {
        return new IoProbe(config, shared, java.util.Objects.requireNonNull(chainTo, "chainTo"));
    }

    /**
     * Whether this probe's system-call programs run from the syscalls probe's (see
     * {@link #start(Config, SharedMaps, SyscallsProbe)}).
     */
    public boolean chained() {
        return chainedTo != null && !isClosed();
    }

    public synchronized int forEach(Visitor visitor) {
        int n = 0;
        cursor.reset();
        while (cursor.next()) {
            MemorySegment k = cursor.key();
            MemorySegment v = cursor.value();
            visitor.accept(k.get(JAVA_INT, IoKey.TID), k.get(JAVA_BYTE, IoKey.OP) & 0xff,
                    k.get(JAVA_BYTE, IoKey.FTYPE) & 0xff, v.get(JAVA_LONG, IoStats.CALLS),
                    v.get(JAVA_LONG, IoStats.BYTES), v.get(JAVA_LONG, IoStats.ERRORS),
                    v.get(JAVA_LONG, IoStats.TOTAL_NS), v.get(JAVA_LONG, IoStats.MAX_NS));
            n++;
        }
        return n;
    }

    /** Bytes moved by thread {@code tid} with operation {@code op} on files of {@code fileType}. */
    public synchronized long bytes(int tid, int op, int fileType) {
        return lookup(tid, op, fileType) ? value.get(JAVA_LONG, IoStats.BYTES) : 0;
    }

    public synchronized long calls(int tid, int op, int fileType) {
        return lookup(tid, op, fileType) ? value.get(JAVA_LONG, IoStats.CALLS) : 0;
    }

    public synchronized boolean histogram(int tid, int op, int fileType, long[] into) {
        if (!lookup(tid, op, fileType)) {
            return false;
        }
        Hist.copy(value, IoStats.LAT, into);
        return true;
    }

    /** Removes every entry of thread {@code tid}. */
    public synchronized int removeThread(int tid) {
        single[0] = tid;
        return cursor.removeThreads((int) IoKey.TID, single, 1);
    }

    /** Removes every entry of the threads {@code tids[0..count)} in one walk of the map. */
    public synchronized int removeThreads(int[] tids, int count) {
        return cursor.removeThreads((int) IoKey.TID, tids, count);
    }

    /** Opens whose event was suppressed by the rate limit. */
    public long openEventsSuppressed() {
        return loaded.collection().variable("open_events_suppressed").getLong();
    }

    private boolean lookup(int tid, int op, int fileType) {
        key.fill((byte) 0);
        key.set(JAVA_INT, IoKey.TID, tid);
        key.set(JAVA_BYTE, IoKey.OP, (byte) op);
        key.set(JAVA_BYTE, IoKey.FTYPE, (byte) fileType);
        return stats.lookup(key, value);
    }

    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        if (chainedTo != null) {
            chainedTo.unchain(); // before the programs go: nothing may call into a closing object
        }
        super.close();
        arena.close();
    }
}
