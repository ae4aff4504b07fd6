package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code faults.bpf.o}.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class FaultsLayouts {
    private FaultsLayouts() {
    }

    /** {@code struct fault_stats}: value of {@code fault_stats} keyed by tid (16 bytes). */
    public static final class FaultStats {
        public static final StructLayout LAYOUT = struct("fault_stats",
                u64("minor"),
                u64("major"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long MINOR = offset(LAYOUT, "minor");
        public static final long MAJOR = offset(LAYOUT, "major");
        public static final VarHandle VH_MINOR = handle(LAYOUT, "minor");
        public static final VarHandle VH_MAJOR = handle(LAYOUT, "major");

        private FaultStats() {
        }
    }

    /** {@code struct fault_stack_key}: key of {@code fault_stacks} (8 bytes). */
    public static final class FaultStackKey {
        public static final StructLayout LAYOUT = struct("fault_stack_key",
                u32("tid"),
                u32("user_stack_id"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long TID = offset(LAYOUT, "tid");
        public static final long USER_STACK_ID = offset(LAYOUT, "user_stack_id");
        public static final VarHandle VH_TID = handle(LAYOUT, "tid");
        public static final VarHandle VH_USER_STACK_ID = handle(LAYOUT, "user_stack_id");

        private FaultStackKey() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("fault_stats", FaultStats.LAYOUT),
                Map.entry("fault_stack_key", FaultStackKey.LAYOUT));
    }
}
