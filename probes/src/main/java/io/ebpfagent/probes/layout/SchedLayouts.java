package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code sched.bpf.o}.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class SchedLayouts {
    private SchedLayouts() {
    }

    /**
     * {@code struct sched_stats}: per-thread totals, value of {@code sched_stats} keyed by tid (112
     * bytes). On-CPU time, switch counts and page faults are the task's own accounting, since thread start.
     */
    public static final class SchedStats {
        public static final StructLayout LAYOUT = struct("sched_stats",
                u64("oncpu_ns"),
                u64("offcpu_voluntary_ns"),
                u64("offcpu_involuntary_ns"),
                u64("runq_ns"),
                u64("voluntary_switches"),
                u64("involuntary_switches"),
                u64("wakeups"),
                u64("migrations"),
                u64("exited_ns"),
                u32("tgid"),
                u32("_pad"),
                bytes("comm", 16),
                u64("minor_faults"),
                u64("major_faults"));
        public static final long SIZE = LAYOUT.byteSize();
        /** Bytes of {@code comm} (TASK_COMM_LEN). */
        public static final int COMM_BYTES = 16;
        public static final long ONCPU_NS = offset(LAYOUT, "oncpu_ns");
        public static final long OFFCPU_VOLUNTARY_NS = offset(LAYOUT, "offcpu_voluntary_ns");
        public static final long OFFCPU_INVOLUNTARY_NS = offset(LAYOUT, "offcpu_involuntary_ns");
        public static final long RUNQ_NS = offset(LAYOUT, "runq_ns");
        public static final long VOLUNTARY_SWITCHES = offset(LAYOUT, "voluntary_switches");
        public static final long INVOLUNTARY_SWITCHES = offset(LAYOUT, "involuntary_switches");
        public static final long WAKEUPS = offset(LAYOUT, "wakeups");
        public static final long MIGRATIONS = offset(LAYOUT, "migrations");
        public static final long EXITED_NS = offset(LAYOUT, "exited_ns");
        public static final long TGID = offset(LAYOUT, "tgid");
        /** The kernel's thread name at exit, NUL-terminated; empty while the thread lives. */
        public static final long COMM = offset(LAYOUT, "comm");
        /** The task's {@code min_flt} / {@code maj_flt} as of the thread's last switch-out. */
        public static final long MINOR_FAULTS = offset(LAYOUT, "minor_faults");
        public static final long MAJOR_FAULTS = offset(LAYOUT, "major_faults");
        public static final VarHandle VH_ONCPU_NS = handle(LAYOUT, "oncpu_ns");
        public static final VarHandle VH_OFFCPU_VOLUNTARY_NS = handle(LAYOUT, "offcpu_voluntary_ns");
        public static final VarHandle VH_OFFCPU_INVOLUNTARY_NS = handle(LAYOUT, "offcpu_involuntary_ns");
        public static final VarHandle VH_RUNQ_NS = handle(LAYOUT, "runq_ns");
        public static final VarHandle VH_VOLUNTARY_SWITCHES = handle(LAYOUT, "voluntary_switches");
        public static final VarHandle VH_INVOLUNTARY_SWITCHES = handle(LAYOUT, "involuntary_switches");
        public static final VarHandle VH_WAKEUPS = handle(LAYOUT, "wakeups");
        public static final VarHandle VH_MIGRATIONS = handle(LAYOUT, "migrations");
        public static final VarHandle VH_EXITED_NS = handle(LAYOUT, "exited_ns");
        public static final VarHandle VH_TGID = handle(LAYOUT, "tgid");

        private SchedStats() {
        }
    }

    /**
     * {@code struct sched_thread}: the value of {@code sched_stats} keyed by tid (664 bytes): the
     * totals, the probe's private bookkeeping, the run-queue latency histogram.
     */
    public static final class SchedThread {
        public static final StructLayout LAYOUT = struct("sched_thread",
                SchedStats.LAYOUT.withName("stats"),
                bytes("state", 40),
                CommonLayouts.Hist.LAYOUT.withName("runq"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long STATS = offset(LAYOUT, "stats");
        public static final long RUNQ = offset(LAYOUT, "runq");

        private SchedThread() {
        }
    }

    /**
     * {@code struct span_times}: kernel time of a thread per span-context slot (128 bytes), the
     * value of the mmapable {@code span_times} array; cumulative, read with plain loads.
     */
    public static final class SpanTimes {
        public static final StructLayout LAYOUT = struct("span_times",
                u64("oncpu_ns"),
                u64("oncpu_since"),
                u64("runq_ns"),
                u64("lock_ns"),
                u64("net_ns"),
                u64("disk_ns"),
                u64("sleep_ns"),
                u64("other_ns"),
                u64("switches"),
                u64("rchar"),
                u64("wchar"),
                u64("syscr"),
                u64("syscw"),
                u64("syscalls"),
                bytes("_reserved", 16));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long ONCPU_NS = offset(LAYOUT, "oncpu_ns");
        public static final long ONCPU_SINCE = offset(LAYOUT, "oncpu_since");
        public static final long RUNQ_NS = offset(LAYOUT, "runq_ns");
        public static final long LOCK_NS = offset(LAYOUT, "lock_ns");
        public static final long NET_NS = offset(LAYOUT, "net_ns");
        public static final long DISK_NS = offset(LAYOUT, "disk_ns");
        public static final long SLEEP_NS = offset(LAYOUT, "sleep_ns");
        public static final long OTHER_NS = offset(LAYOUT, "other_ns");
        public static final long SWITCHES = offset(LAYOUT, "switches");
        public static final long RCHAR = offset(LAYOUT, "rchar");
        public static final long WCHAR = offset(LAYOUT, "wchar");
        public static final long SYSCR = offset(LAYOUT, "syscr");
        public static final long SYSCW = offset(LAYOUT, "syscw");
        public static final long SYSCALLS = offset(LAYOUT, "syscalls");

        private SpanTimes() {
        }
    }

    /** {@code struct offcpu_event}: EV_OFFCPU record (88 bytes). */
    public static final class OffcpuEvent {
        public static final StructLayout LAYOUT = struct("offcpu_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("runq_ns"),
                u32("reason"),
                u32("prev_state"),
                u32("waker_tid"),
                u32("stack_id"),
                u32("cpu"),
                u32("_pad"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long RUNQ_NS = offset(LAYOUT, "runq_ns");
        public static final long REASON = offset(LAYOUT, "reason");
        public static final long PREV_STATE = offset(LAYOUT, "prev_state");
        public static final long WAKER_TID = offset(LAYOUT, "waker_tid");
        public static final long STACK_ID = offset(LAYOUT, "stack_id");
        public static final long CPU = offset(LAYOUT, "cpu");
        public static final VarHandle VH_RUNQ_NS = handle(LAYOUT, "runq_ns");
        public static final VarHandle VH_REASON = handle(LAYOUT, "reason");
        public static final VarHandle VH_PREV_STATE = handle(LAYOUT, "prev_state");
        public static final VarHandle VH_WAKER_TID = handle(LAYOUT, "waker_tid");
        public static final VarHandle VH_STACK_ID = handle(LAYOUT, "stack_id");
        public static final VarHandle VH_CPU = handle(LAYOUT, "cpu");

        private OffcpuEvent() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("sched_stats", SchedStats.LAYOUT),
                Map.entry("sched_thread", SchedThread.LAYOUT),
                Map.entry("span_times", SpanTimes.LAYOUT),
                Map.entry("offcpu_event", OffcpuEvent.LAYOUT));
    }
}
