package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code io.bpf.o}.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class IoLayouts {
    private IoLayouts() {
    }

    /** {@code struct io_key}: key of {@code io_stats} (8 bytes). */
    public static final class IoKey {
        public static final StructLayout LAYOUT = struct("io_key",
                u32("tid"),
                u8("op"),
                u8("ftype"),
                u16("_pad"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long TID = offset(LAYOUT, "tid");
        public static final long OP = offset(LAYOUT, "op");
        public static final long FTYPE = offset(LAYOUT, "ftype");
        public static final VarHandle VH_TID = handle(LAYOUT, "tid");
        public static final VarHandle VH_OP = handle(LAYOUT, "op");
        public static final VarHandle VH_FTYPE = handle(LAYOUT, "ftype");

        private IoKey() {
        }
    }

    /** {@code struct io_stats}: value of {@code io_stats} (552 bytes). */
    public static final class IoStats {
        public static final StructLayout LAYOUT = struct("io_stats",
                u64("calls"),
                u64("bytes"),
                u64("errors"),
                u64("total_ns"),
                u64("max_ns"),
                CommonLayouts.Hist.LAYOUT.withName("lat"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long CALLS = offset(LAYOUT, "calls");
        public static final long BYTES = offset(LAYOUT, "bytes");
        public static final long ERRORS = offset(LAYOUT, "errors");
        public static final long TOTAL_NS = offset(LAYOUT, "total_ns");
        public static final long MAX_NS = offset(LAYOUT, "max_ns");
        public static final long LAT = offset(LAYOUT, "lat");
        public static final VarHandle VH_CALLS = handle(LAYOUT, "calls");
        public static final VarHandle VH_BYTES = handle(LAYOUT, "bytes");
        public static final VarHandle VH_ERRORS = handle(LAYOUT, "errors");
        public static final VarHandle VH_TOTAL_NS = handle(LAYOUT, "total_ns");
        public static final VarHandle VH_MAX_NS = handle(LAYOUT, "max_ns");

        private IoStats() {
        }
    }

    /** {@code struct slow_io_event}: EV_SLOW_IO record (88 bytes). */
    public static final class SlowIoEvent {
        public static final StructLayout LAYOUT = struct("slow_io_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("ret"),
                u32("fd"),
                u32("nr"),
                u8("op"),
                u8("ftype"),
                bytes("_pad", 6),
                u64("ino"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long RET = offset(LAYOUT, "ret");
        public static final long FD = offset(LAYOUT, "fd");
        public static final long NR = offset(LAYOUT, "nr");
        public static final long OP = offset(LAYOUT, "op");
        public static final long FTYPE = offset(LAYOUT, "ftype");
        public static final long INO = offset(LAYOUT, "ino");
        public static final VarHandle VH_RET = handle(LAYOUT, "ret");
        public static final VarHandle VH_FD = handle(LAYOUT, "fd");
        public static final VarHandle VH_NR = handle(LAYOUT, "nr");
        public static final VarHandle VH_OP = handle(LAYOUT, "op");
        public static final VarHandle VH_FTYPE = handle(LAYOUT, "ftype");

        private SlowIoEvent() {
        }
    }

    /** {@code struct fsync_event}: EV_FSYNC record (80 bytes). */
    public static final class FsyncEvent {
        public static final StructLayout LAYOUT = struct("fsync_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("ret"),
                u32("fd"),
                u32("nr"),
                u64("ino"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long RET = offset(LAYOUT, "ret");
        public static final long FD = offset(LAYOUT, "fd");
        public static final long NR = offset(LAYOUT, "nr");
        public static final long INO = offset(LAYOUT, "ino");
        public static final VarHandle VH_RET = handle(LAYOUT, "ret");
        public static final VarHandle VH_FD = handle(LAYOUT, "fd");
        public static final VarHandle VH_NR = handle(LAYOUT, "nr");

        private FsyncEvent() {
        }
    }

    /** {@code struct open_event}: EV_OPEN record (328 bytes). */
    public static final class OpenEvent {
        public static final StructLayout LAYOUT = struct("open_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("ret"),
                u32("flags"),
                u32("path_len"),
                bytes("path", 256));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long RET = offset(LAYOUT, "ret");
        public static final long FLAGS = offset(LAYOUT, "flags");
        public static final long PATH_LEN = offset(LAYOUT, "path_len");
        public static final long PATH = offset(LAYOUT, "path");
        public static final VarHandle VH_RET = handle(LAYOUT, "ret");
        public static final VarHandle VH_FLAGS = handle(LAYOUT, "flags");
        public static final VarHandle VH_PATH_LEN = handle(LAYOUT, "path_len");

        private OpenEvent() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("io_key", IoKey.LAYOUT),
                Map.entry("io_stats", IoStats.LAYOUT),
                Map.entry("slow_io_event", SlowIoEvent.LAYOUT),
                Map.entry("fsync_event", FsyncEvent.LAYOUT),
                Map.entry("open_event", OpenEvent.LAYOUT));
    }
}
