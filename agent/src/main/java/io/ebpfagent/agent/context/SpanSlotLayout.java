package io.ebpfagent.agent.context;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * One per-thread span-context slot, shared with the eBPF programs (which declare the same
 * struct): {@code u8 trace_id[16]; u8 span_id[8]; u8 valid; u8 flags; u8 pad[6];} at
 * {@code slot * 32}. Ids are in wire order (big-endian, as their hex strings read).
 */
public final class SpanSlotLayout {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE).withName("trace_id"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("span_id"),
            ValueLayout.JAVA_BYTE.withName("valid"),
            ValueLayout.JAVA_BYTE.withName("flags"),
            MemoryLayout.paddingLayout(6)).withName("span_slot");

    public static final long SIZE = LAYOUT.byteSize();
    public static final long TRACE_ID = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("trace_id"));
    public static final long SPAN_ID = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("span_id"));
    public static final long VALID = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("valid"));
    public static final long FLAGS = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("flags"));

    private SpanSlotLayout() {
    }
}
