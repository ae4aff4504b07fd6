package io.ebpfagent.probes;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.ebpfagent.loader.maps.BpfMap;
import io.ebpfagent.probes.layout.SchedLayouts;
import io.ebpfagent.probes.layout.SchedLayouts.SchedStats;
import io.ebpfagent.probes.layout.SchedLayouts.SchedThread;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code sched.bpf.o}: on-CPU and off-CPU time (voluntary/involuntary), run-queue latency,
 * switches, wakeups and migrations per thread of the target process, off-CPU intervals above a
 * threshold as ring buffer events. On-CPU time and switch counts are the kernel's own per-task
 * accounting (what {@code /proc/<pid>/task/<tid>/schedstat} and {@code status} show), so they
 * count from the thread's start; the other values from the probe's first sight of the thread.
 * A thread's entry is marked exited at its final switch-out, with its final totals and its
 * kernel name ({@link #exitedName}).
 */
public final class SchedProbe extends ProbeBase implements Probe {
    /**
     * @param targetTgid         process to observe (0: every process, tests only)
     * @param offcpuThresholdNs  off-CPU intervals at least this long become events (0: none)
     * @param involuntaryEvents  also report preempted intervals above the threshold
     * @param captureStacks      record the user stack at voluntary switch-outs
     * @param runqHistograms     keep per-thread run-queue latency histograms
     * @param eventsNeedSpan     report off-CPU intervals only for threads with a current
     *                           application span (the others never leave the kernel)
     * @param spanTimes          split the kernel time of span threads into {@link #spanTimes()}
     *                           from the start (switchable later with {@link #setSpanTimes})
     * @param trackWakeups       count wakeups per thread and record the waker of off-CPU
     *                           intervals: attaches programs to {@code sched_wakeup} and
     *                           {@code sched_wakeup_new}, which run for every wakeup of the
     *                           process's threads (on a busy service about 0.7 per context
     *                           switch). Off: wakeups are 0 and events carry no waker. Run-queue
     *                           waits do not need them, except on kernels without the
     *                           scheduler's own bookkeeping ({@link #runqFromSchedInfo()})
     * @param runqFromWakeups    time run-queue waits as libbpf-tools' runqlat does, on
     *                           CLOCK_MONOTONIC from the wakeup programs (which are then
     *                           attached), also where the kernel's bookkeeping would do:
     *                           every wakeup of the process's threads then runs a program. What
     *                           kernels without that bookkeeping get anyway
     */
    public record Config(int targetTgid, long offcpuThresholdNs, boolean involuntaryEvents, boolean captureStacks,
                         boolean runqHistograms, boolean eventsNeedSpan, boolean spanTimes, boolean trackWakeups,
                         boolean runqFromWakeups) {
        public Config {
            Rodata.requireNonNegative("offcpuThresholdNs", offcpuThresholdNs);
        }

        /**
         * This JVM, 10 ms threshold, involuntary events, no stacks, histograms on, every interval
         * reported, span split on, no wakeup programs.
         */
        public static Config defaults() {
            return new Config(Probe.currentPid(), 10_000_000L, true, false, true, false, true, false, false);
        }

        public Config withOffcpuThresholdNs(long value) {
            return new Config(targetTgid, value, involuntaryEvents, captureStacks, runqHistograms, eventsNeedSpan,
                    spanTimes, trackWakeups, runqFromWakeups);
        }

        public Config withTargetTgid(int value) {
            return new Config(value, offcpuThresholdNs, involuntaryEvents, captureStacks, runqHistograms,
                    eventsNeedSpan, spanTimes, trackWakeups, runqFromWakeups);
        }

        public Config withEventsNeedSpan(boolean value) {
            return new Config(targetTgid, offcpuThresholdNs, involuntaryEvents, captureStacks, runqHistograms, value,
                    spanTimes, trackWakeups, runqFromWakeups);
        }

        public Config withSpanTimes(boolean value) {
            return new Config(targetTgid, offcpuThresholdNs, involuntaryEvents, captureStacks, runqHistograms,
                    eventsNeedSpan, value, trackWakeups, runqFromWakeups);
        }

        public Config withTrackWakeups(boolean value) {
            return new Config(targetTgid, offcpuThresholdNs, involuntaryEvents, captureStacks, runqHistograms,
                    eventsNeedSpan, spanTimes, value, runqFromWakeups);
        }

        public Config withRunqFromWakeups(boolean value) {
            return new Config(targetTgid, offcpuThresholdNs, involuntaryEvents, captureStacks, runqHistograms,
                    eventsNeedSpan, spanTimes, trackWakeups, value);
        }
    }

    private static final java.util.List<String> WAKEUP_PROGRAMS = java.util.List.of("on_sched_wakeup",
            "on_sched_wakeup_new");

    private final Arena arena = Arena.ofShared();
    private final BpfMap stats;
    private final MapCursor cursor;
    private final ChangeFilter changes = new ChangeFilter();
    private final MemorySegment threadValue;
    private final MemorySegment tidKey;
    private final BpfMap spanTimesMap;
    private final MemorySegment spanTimes;
    /** The entry the running {@link #forEachThread} visit is at: its histogram needs no lookup. */
    private MemorySegment visiting;
    private int visitingTid;
    private int[] exited = new int[64];
    /** {@link #exitedName} has buffers of its own: it is called while a walk may be running. */
    private final Object nameLock = new Object();
    private final MemorySegment nameKey;
    private final MemorySegment nameValue;

    private SchedProbe(Config c, SharedMaps shared, int skipSwitchInsOf, boolean skipAll) {
        super(BundledObject.SCHED, c.targetTgid(), spec -> {
            if (skipSwitchInsOf != 0) {
                SchedLayouts.Rodata.setTestSkipSwitchInsOf(spec, skipSwitchInsOf);
                SchedLayouts.Rodata.setTestSkipAll(spec, skipAll);
            }
            MapAllocation.onFirstWrite(spec, "sched_stats");
            SchedLayouts.Rodata.setOffcpuThresholdNs(spec, c.offcpuThresholdNs());
            SchedLayouts.Rodata.setOffcpuEventsInvoluntary(spec, c.involuntaryEvents());
            SchedLayouts.Rodata.setCaptureStacks(spec, c.captureStacks());
            if (!c.captureStacks()) {
                unused(spec, "stacks");
            }
            SchedLayouts.Rodata.setRunqHistograms(spec, c.runqHistograms());
            SchedLayouts.Rodata.setOffcpuEventsNeedSpan(spec, c.eventsNeedSpan());
            SchedLayouts.Bss.setSpanTimesOn(spec, c.spanTimes());
            boolean fromWakeups = c.runqFromWakeups() || !runqFromSchedInfo();
            SchedLayouts.Rodata.setRunqFromWakeups(spec, fromWakeups);
            if (!c.trackWakeups() && !fromWakeups) {
                WAKEUP_PROGRAMS.forEach(spec.programs()::remove);
            }
        }, Attacher.NONE, shared);
        this.stats = loaded.map("sched_stats");
        this.cursor = new MapCursor(stats, arena);
        this.threadValue = arena.allocate(stats.valueBufferSize(), 8);
        this.tidKey = arena.allocate(JAVA_INT);
        this.spanTimesMap = loaded.map("span_times");
        this.spanTimes = spanTimesMap.memory(arena);
        this.nameKey = arena.allocate(JAVA_INT);
        this.nameValue = arena.allocate(stats.valueBufferSize(), 8);
    }

    /**
     * Whether this kernel has what the probe takes run-queue waits from without a program at
     * wakeups: the task's {@code sched_info} (CONFIG_SCHED_INFO, which schedstat and delay
     * accounting need) and the run queue behind a CFS run queue (CONFIG_FAIR_GROUP_SCHED). Both
     * are on in distribution kernels; without them the wakeup programs are attached and time the
     * waits from the wakeup.
     */
    public static boolean runqFromSchedInfo() {
        Boolean v = fromSchedInfo;
        if (v == null) {
            io.ebpfagent.loader.btf.Btf k = io.ebpfagent.loader.btf.Btf.kernel();
            fromSchedInfo = v = hasMember(k, "task_struct", "sched_info") && hasMember(k, "cfs_rq", "rq");
        }
        return v;
    }

    private static volatile Boolean fromSchedInfo;

    private static boolean hasMember(io.ebpfagent.loader.btf.Btf btf, String struct, String member) {
        java.util.OptionalInt id = btf.findId(struct, io.ebpfagent.loader.btf.Type.Struct.class);
        return id.isPresent() && ((io.ebpfagent.loader.btf.Type.Struct) btf.type(id.getAsInt())).members().stream()
                .anyMatch(m -> m.name().equals(member));
    }

    /** Loads and attaches the sched object. */
    public static SchedProbe start(Config config, SharedMaps shared) {
        return new SchedProbe(config, shared, 0, false);
    }

    /**
     * Tests only: a probe whose program ignores every other switch-in of thread {@code tid} (every
     * one with {@code all}), as the kernel itself sometimes does not run it at one, so that
     * {@link #switchInsReplayed} has something to replay.
     */
    static SchedProbe startSkippingSwitchInsOf(Config config, SharedMaps shared, int tid, boolean all) {
        if (tid <= 0) {
            throw new IllegalArgumentException("tid must be positive: " + tid);
        }
        return new SchedProbe(config, shared, tid, all);
    }

    /**
     * Calls {@code visitor} for every thread with statistics, then removes the entries of the
     * threads that exited: they were just read for the last time. Returns the number of threads
     * visited. Allocation free; {@link #runqHistogram} called from the visitor reads the entry
     * being visited, without a system call.
     */
    public synchronized int forEachThread(SchedStatsVisitor visitor) {
        return walk(visitor, false);
    }

    /**
     * {@link #forEachThread} for the threads whose entry changed since the previous call of this
     * method (every thread at the first call): a thread that did not run, wake, move, fault or
     * exit since then is skipped, so a periodic collection costs what changed rather than what
     * exists (a parked pool of hundreds of threads costs one batch read). The counters are totals
     * since thread start, so a skipped thread's totals are the ones last visited. Entries of exited
     * threads are visited once and removed, as with {@link #forEachThread}. Returns the number of
     * threads visited.
     */
    public synchronized int forEachChangedThread(SchedStatsVisitor visitor) {
        return walk(visitor, true);
    }

    /** A sum of the entry's counters, which only grow: any update by the kernel changes it. */
    private static long signature(MemorySegment v) {
        long sum = v.get(JAVA_LONG, SchedStats.ONCPU_NS) + v.get(JAVA_LONG, SchedStats.OFFCPU_VOLUNTARY_NS)
                + v.get(JAVA_LONG, SchedStats.OFFCPU_INVOLUNTARY_NS) + v.get(JAVA_LONG, SchedStats.RUNQ_NS)
                + v.get(JAVA_LONG, SchedStats.VOLUNTARY_SWITCHES) + v.get(JAVA_LONG, SchedStats.INVOLUNTARY_SWITCHES)
                + v.get(JAVA_LONG, SchedStats.WAKEUPS) + v.get(JAVA_LONG, SchedStats.MIGRATIONS)
                + v.get(JAVA_LONG, SchedStats.EXITED_NS) + v.get(JAVA_INT, SchedStats.RUNQ_UNKNOWN)
                + v.get(JAVA_LONG, SchedStats.MINOR_FAULTS) + v.get(JAVA_LONG, SchedStats.MAJOR_FAULTS);
        // a wait with no off-CPU time before it (the first switch-in seen) only adds a sample
        for (int i = 0; i < Hist.SLOTS; i++) {
            sum += v.get(JAVA_LONG, SchedThread.RUNQ + 8L * i);
        }
        return sum;
    }

    private int walk(SchedStatsVisitor visitor, boolean changedOnly) {
        int n = 0;
        int nExited = 0;
        cursor.reset();
        while (cursor.next()) {
            MemorySegment v = cursor.value();
            int tid = cursor.key().get(JAVA_INT, 0);
            if (changedOnly && !changes.changed(tid, signature(v))) {
                continue;
            }
            visiting = v;
            visitingTid = tid;
            boolean gone = v.get(JAVA_LONG, SchedStats.EXITED_NS) != 0;
            visitor.accept(tid, v.get(JAVA_LONG, SchedStats.ONCPU_NS), v.get(JAVA_LONG, SchedStats.OFFCPU_VOLUNTARY_NS),
                    v.get(JAVA_LONG, SchedStats.OFFCPU_INVOLUNTARY_NS), v.get(JAVA_LONG, SchedStats.RUNQ_NS),
                    v.get(JAVA_LONG, SchedStats.VOLUNTARY_SWITCHES), v.get(JAVA_LONG, SchedStats.INVOLUNTARY_SWITCHES),
                    v.get(JAVA_LONG, SchedStats.WAKEUPS), v.get(JAVA_LONG, SchedStats.MIGRATIONS), gone);
            n++;
            if (gone) {
                if (nExited == exited.length) {
                    exited = java.util.Arrays.copyOf(exited, nExited * 2);
                }
                exited[nExited++] = tid;
            }
        }
        visiting = null;
        if (changedOnly) {
            changes.endWalk();
        }
        for (int i = 0; i < nExited; i++) {
            tidKey.set(JAVA_INT, 0, exited[i]);
            stats.delete(tidKey);
        }
        return n;
    }

    /**
     * Copies thread {@code tid}'s run-queue latency histogram into {@code into} (64 slots);
     * false when the thread has none.
     */
    public synchronized boolean runqHistogram(int tid, long[] into) {
        MemorySegment v = entry(tid);
        if (v == null) {
            return false;
        }
        Hist.copy(v, SchedThread.RUNQ, into);
        return true;
    }

    /**
     * The page faults of thread {@code tid} since it started, as of its last switch-out (the
     * task's {@code min_flt} and {@code maj_flt}) into {@code into[0]} and {@code into[1]}; false
     * when the probe has no entry for it. Like {@link #runqHistogram}, free of system calls when
     * called from a {@link #forEachThread} visitor for the thread being visited.
     */
    public synchronized boolean pageFaults(int tid, long[] into) {
        MemorySegment v = entry(tid);
        if (v == null) {
            return false;
        }
        into[0] = v.get(JAVA_LONG, SchedStats.MINOR_FAULTS);
        into[1] = v.get(JAVA_LONG, SchedStats.MAJOR_FAULTS);
        return true;
    }

    /**
     * How many of thread {@code tid}'s switch-ins had a run-queue wait the probe could not tell
     * (the thread was queued on another CPU while still asleep, see {@code sched.bpf.c}): they are
     * in neither the histogram nor the run-queue time; -1 when the probe has no entry for it.
     * Free of system calls when called from a {@link #forEachThread} visitor for the thread being
     * visited.
     */
    public synchronized long runqUnknown(int tid) {
        MemorySegment v = entry(tid);
        return v == null ? -1 : Integer.toUnsignedLong(v.get(JAVA_INT, SchedStats.RUNQ_UNKNOWN));
    }

    /**
     * Thread {@code tid}'s entry: the one the running {@link #forEachThread} visit is at, else
     * looked up into {@code threadValue}; null when the probe has none. Callers hold the lock.
     */
    private MemorySegment entry(int tid) {
        if (visiting != null && visitingTid == tid) {
            return visiting;
        }
        tidKey.set(JAVA_INT, 0, tid);
        return stats.lookup(tidKey, threadValue) ? threadValue : null;
    }

    /**
     * The mmapped {@code span_times} array: entry i ({@code SchedLayouts.SpanTimes.SIZE} bytes)
     * holds the kernel time of the thread bound to span-context slot i. Valid until {@link #close()}.
     */
    public MemorySegment spanTimes() {
        return spanTimes;
    }

    /**
     * Switches the split of span threads' kernel time into {@link #spanTimes()} on or off while
     * the probe runs (its start value is {@link Config#spanTimes()}). Switched on, an entry's
     * counters resume from where they stopped: readers take differences over a scope, so a scope
     * that spans the switch sees only the time while it was on.
     */
    public void setSpanTimes(boolean on) {
        loaded.collection().variable("span_times_on").set(on ? 1 : 0);
    }

    /**
     * How many switch-ins of the observed threads the program did not run for and replayed at the
     * thread's next switch-out from the kernel's own accounting (the slice's CPU time dates the
     * switch-in, the run-queue wait is the task's {@code run_delay}): the thread's totals, its
     * span-context slot and its off-CPU event are what the switch-in would have given, but for
     * the slice's interrupt time, which counts as off-CPU time; when the thread read its own slot
     * during that slice and started the slice there, the interval before it is left out of the
     * slot. Seen on a 6.18 guest about once per 25 s of a busy JVM.
     */
    public long switchInsReplayed() {
        return loaded.collection().variable("switch_ins_replayed").getLong();
    }

    /** Whether the split of span threads' kernel time is on now. */
    public boolean spanTimesOn() {
        return loaded.collection().variable("span_times_on").getBytes()[0] != 0;
    }

    /**
     * The {@code span_times} map itself, for the syscalls probe to count system calls into
     * ({@link SyscallsProbe#start(SyscallsProbe.Config, SharedMaps, BpfMap)}). Owned by this probe.
     */
    public BpfMap spanTimesMap() {
        return spanTimesMap;
    }

    /**
     * The kernel's name ({@code comm}, at most 15 bytes) of thread {@code tid} when it exited, or
     * null when the thread has not exited or its entry was already removed. Entries of exited
     * threads stay until the {@link #forEachThread} walk that reads them last; this lookup does not
     * take the walk's lock, so it may be called from the walk's visitor or from any other thread.
     * Allocates the string.
     */
    public String exitedName(int tid) {
        synchronized (nameLock) {
            if (isClosed()) {
                return null;
            }
            nameKey.set(JAVA_INT, 0, tid);
            if (!stats.lookup(nameKey, nameValue) || nameValue.get(JAVA_LONG, SchedStats.EXITED_NS) == 0) {
                return null;
            }
            int n = 0;
            while (n < SchedStats.COMM_LENGTH && nameValue.get(java.lang.foreign.ValueLayout.JAVA_BYTE,
                    SchedStats.COMM + n) != 0) {
                n++;
            }
            if (n == 0) {
                return null;
            }
            byte[] bytes = new byte[n];
            MemorySegment.copy(nameValue, java.lang.foreign.ValueLayout.JAVA_BYTE, SchedStats.COMM, bytes, 0, n);
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The {@code stacks} map (user stacks of voluntary switch-outs when enabled). */
    public BpfMap stacks() {
        return loaded.map("stacks");
    }

    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        synchronized (nameLock) {
            super.close();
            arena.close();
        }
    }
}
