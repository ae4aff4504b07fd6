package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code syscalls.bpf.o}.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class SyscallsLayouts {
    private SyscallsLayouts() {
    }

    /** {@code struct syscall_key}: key of {@code syscall_stats} (8 bytes). */
    public static final class SyscallKey {
        public static final StructLayout LAYOUT = struct("syscall_key",
                u32("tid"),
                u32("nr"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long TID = offset(LAYOUT, "tid");
        public static final long NR = offset(LAYOUT, "nr");
        public static final VarHandle VH_TID = handle(LAYOUT, "tid");
        public static final VarHandle VH_NR = handle(LAYOUT, "nr");

        private SyscallKey() {
        }
    }

    /** {@code struct syscall_stats}: value of {@code syscall_stats} (544 bytes). */
    public static final class SyscallStats {
        public static final StructLayout LAYOUT = struct("syscall_stats",
                u64("count"),
                u64("errors"),
                u64("total_ns"),
                u64("max_ns"),
                CommonLayouts.Hist.LAYOUT.withName("lat"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long COUNT = offset(LAYOUT, "count");
        public static final long ERRORS = offset(LAYOUT, "errors");
        public static final long TOTAL_NS = offset(LAYOUT, "total_ns");
        public static final long MAX_NS = offset(LAYOUT, "max_ns");
        public static final long LAT = offset(LAYOUT, "lat");
        public static final VarHandle VH_COUNT = handle(LAYOUT, "count");
        public static final VarHandle VH_ERRORS = handle(LAYOUT, "errors");
        public static final VarHandle VH_TOTAL_NS = handle(LAYOUT, "total_ns");
        public static final VarHandle VH_MAX_NS = handle(LAYOUT, "max_ns");

        private SyscallStats() {
        }
    }

    /** {@code struct slow_syscall_event}: EV_SLOW_SYSCALL record (96 bytes). */
    public static final class SlowSyscallEvent {
        public static final StructLayout LAYOUT = struct("slow_syscall_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("ret"),
                u64s("args", 3),
                u32("nr"),
                u32("_pad"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long RET = offset(LAYOUT, "ret");
        public static final long ARGS = offset(LAYOUT, "args");
        public static final long NR = offset(LAYOUT, "nr");
        public static final VarHandle VH_RET = handle(LAYOUT, "ret");
        public static final VarHandle VH_ARGS = arrayHandle(LAYOUT, "args");
        public static final VarHandle VH_NR = handle(LAYOUT, "nr");

        private SlowSyscallEvent() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("syscall_key", SyscallKey.LAYOUT),
                Map.entry("syscall_stats", SyscallStats.LAYOUT),
                Map.entry("slow_syscall_event", SlowSyscallEvent.LAYOUT));
    }
}
