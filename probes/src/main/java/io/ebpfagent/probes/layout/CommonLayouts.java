package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code common.bpf.h} shared by every probe object.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class CommonLayouts {
    private CommonLayouts() {
    }

    /** {@code struct hist}: log2 histogram of nanoseconds, slot i counts 2^i <= v < 2^(i+1) (512 bytes). */
    public static final class Hist {
        public static final StructLayout LAYOUT = struct("hist",
                u64s("slots", 64));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long SLOTS = offset(LAYOUT, "slots");
        public static final VarHandle VH_SLOTS = arrayHandle(LAYOUT, "slots");

        private Hist() {
        }
    }

    /** {@code struct span_ctx}: one span context slot of {@code span_ctx_slots} (32 bytes). */
    public static final class SpanCtx {
        public static final StructLayout LAYOUT = struct("span_ctx",
                bytes("trace_id", 16),
                bytes("span_id", 8),
                u8("valid"),
                u8("flags"),
                bytes("_pad", 6));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long TRACE_ID = offset(LAYOUT, "trace_id");
        public static final long SPAN_ID = offset(LAYOUT, "span_id");
        public static final long VALID = offset(LAYOUT, "valid");
        public static final long FLAGS = offset(LAYOUT, "flags");
        public static final VarHandle VH_VALID = handle(LAYOUT, "valid");
        public static final VarHandle VH_FLAGS = handle(LAYOUT, "flags");

        private SpanCtx() {
        }
    }

    /** {@code struct event_hdr}: header of every ring buffer record (56 bytes). */
    public static final class EventHdr {
        public static final StructLayout LAYOUT = struct("event_hdr",
                u32("kind"),
                u32("tid"),
                u64("start_ns"),
                u64("duration_ns"),
                CommonLayouts.SpanCtx.LAYOUT.withName("ctx"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long KIND = offset(LAYOUT, "kind");
        public static final long TID = offset(LAYOUT, "tid");
        public static final long START_NS = offset(LAYOUT, "start_ns");
        public static final long DURATION_NS = offset(LAYOUT, "duration_ns");
        public static final long CTX = offset(LAYOUT, "ctx");
        public static final VarHandle VH_KIND = handle(LAYOUT, "kind");
        public static final VarHandle VH_TID = handle(LAYOUT, "tid");
        public static final VarHandle VH_START_NS = handle(LAYOUT, "start_ns");
        public static final VarHandle VH_DURATION_NS = handle(LAYOUT, "duration_ns");

        private EventHdr() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("hist", Hist.LAYOUT),
                Map.entry("span_ctx", SpanCtx.LAYOUT),
                Map.entry("event_hdr", EventHdr.LAYOUT));
    }
}
