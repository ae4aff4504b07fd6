package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code profile.bpf.o}.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class ProfileLayouts {
    private ProfileLayouts() {
    }

    /** {@code struct sample_key}: key of {@code samples} (16 bytes). */
    public static final class SampleKey {
        public static final StructLayout LAYOUT = struct("sample_key",
                u32("tid"),
                u32("user_stack_id"),
                u32("kernel_stack_id"),
                u32("_pad"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long TID = offset(LAYOUT, "tid");
        public static final long USER_STACK_ID = offset(LAYOUT, "user_stack_id");
        public static final long KERNEL_STACK_ID = offset(LAYOUT, "kernel_stack_id");
        public static final VarHandle VH_TID = handle(LAYOUT, "tid");
        public static final VarHandle VH_USER_STACK_ID = handle(LAYOUT, "user_stack_id");
        public static final VarHandle VH_KERNEL_STACK_ID = handle(LAYOUT, "kernel_stack_id");

        private SampleKey() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("sample_key", SampleKey.LAYOUT));
    }
}
