package io.ebpfagent.probes.layout;

import static io.ebpfagent.probes.layout.Structs.*;

import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * Structs of {@code jvm.bpf.o}.
 * Offsets are byte offsets inside the struct; VarHandles take {@code (MemorySegment, long base)}.
 */
public final class JvmLayouts {
    private JvmLayouts() {
    }

    /** {@code struct thread_event}: EV_THREAD_START and EV_THREAD_STOP record (144 bytes). */
    public static final class ThreadEvent {
        public static final StructLayout LAYOUT = struct("thread_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("java_id"),
                u64("native_id"),
                u32("name_len"),
                u8("daemon"),
                bytes("_pad", 3),
                bytes("name", 64));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long JAVA_ID = offset(LAYOUT, "java_id");
        public static final long NATIVE_ID = offset(LAYOUT, "native_id");
        public static final long NAME_LEN = offset(LAYOUT, "name_len");
        public static final long DAEMON = offset(LAYOUT, "daemon");
        public static final long NAME = offset(LAYOUT, "name");
        public static final VarHandle VH_JAVA_ID = handle(LAYOUT, "java_id");
        public static final VarHandle VH_NATIVE_ID = handle(LAYOUT, "native_id");
        public static final VarHandle VH_NAME_LEN = handle(LAYOUT, "name_len");
        public static final VarHandle VH_DAEMON = handle(LAYOUT, "daemon");

        private ThreadEvent() {
        }
    }

    /**
     * {@code struct java_thread}: value of {@code java_threads} keyed by kernel tid, from the
     * thread's {@code thread__start} (80 bytes).
     */
    public static final class JavaThread {
        public static final StructLayout LAYOUT = struct("java_thread",
                u64("java_id"),
                u32("name_len"),
                u8("daemon"),
                bytes("_pad", 3),
                bytes("name", 64));
        public static final long SIZE = LAYOUT.byteSize();
        public static final int NAME_BYTES = 64;
        public static final long JAVA_ID = offset(LAYOUT, "java_id");
        public static final long NAME_LEN = offset(LAYOUT, "name_len");
        public static final long DAEMON = offset(LAYOUT, "daemon");
        public static final long NAME = offset(LAYOUT, "name");

        private JavaThread() {
        }
    }

    /** {@code struct pause_clocks}: the .bss variable {@code pauses} (48 bytes). */
    public static final class PauseClocks {
        public static final StructLayout LAYOUT = struct("pause_clocks",
                u64("seq"),
                u64("gc_ns"),
                u64("gc_since"),
                u64("safepoint_ns"),
                u64("safepoint_since"),
                u32("safepoint_depth"),
                u32("_pad"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long SEQ = offset(LAYOUT, "seq");
        public static final long GC_NS = offset(LAYOUT, "gc_ns");
        public static final long GC_SINCE = offset(LAYOUT, "gc_since");
        public static final long SAFEPOINT_NS = offset(LAYOUT, "safepoint_ns");
        public static final long SAFEPOINT_SINCE = offset(LAYOUT, "safepoint_since");

        private PauseClocks() {
        }
    }

    /** {@code struct compile_key}: key of {@code compile_stats} (24 bytes). */
    public static final class CompileKey {
        public static final StructLayout LAYOUT = struct("compile_key",
                bytes("compiler", 16),
                u32("success"),
                u32("_pad"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final int COMPILER_BYTES = 16;
        public static final long COMPILER = offset(LAYOUT, "compiler");
        public static final long SUCCESS = offset(LAYOUT, "success");

        private CompileKey() {
        }
    }

    /** {@code struct compile_stats}: every finished compilation of one key (528 bytes). */
    public static final class CompileStats {
        public static final StructLayout LAYOUT = struct("compile_stats",
                u64("count"),
                u64("total_ns"),
                CommonLayouts.Hist.LAYOUT.withName("lat"));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long COUNT = offset(LAYOUT, "count");
        public static final long TOTAL_NS = offset(LAYOUT, "total_ns");
        public static final long LAT = offset(LAYOUT, "lat");

        private CompileStats() {
        }
    }

    /** {@code struct gc_event}: EV_GC record (64 bytes). */
    public static final class GcEvent {
        public static final StructLayout LAYOUT = struct("gc_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u8("full"),
                bytes("_pad", 7));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long FULL = offset(LAYOUT, "full");
        public static final VarHandle VH_FULL = handle(LAYOUT, "full");

        private GcEvent() {
        }
    }

    /** {@code struct mem_pool_event}: EV_MEM_POOL_GC record (168 bytes). */
    public static final class MemPoolEvent {
        public static final StructLayout LAYOUT = struct("mem_pool_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("init"),
                u64("used_before"),
                u64("committed_before"),
                u64("used_after"),
                u64("committed_after"),
                u64("max"),
                bytes("manager", 32),
                bytes("pool", 32));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long INIT = offset(LAYOUT, "init");
        public static final long USED_BEFORE = offset(LAYOUT, "used_before");
        public static final long COMMITTED_BEFORE = offset(LAYOUT, "committed_before");
        public static final long USED_AFTER = offset(LAYOUT, "used_after");
        public static final long COMMITTED_AFTER = offset(LAYOUT, "committed_after");
        public static final long MAX = offset(LAYOUT, "max");
        public static final long MANAGER = offset(LAYOUT, "manager");
        public static final long POOL = offset(LAYOUT, "pool");
        public static final VarHandle VH_INIT = handle(LAYOUT, "init");
        public static final VarHandle VH_USED_BEFORE = handle(LAYOUT, "used_before");
        public static final VarHandle VH_COMMITTED_BEFORE = handle(LAYOUT, "committed_before");
        public static final VarHandle VH_USED_AFTER = handle(LAYOUT, "used_after");
        public static final VarHandle VH_COMMITTED_AFTER = handle(LAYOUT, "committed_after");
        public static final VarHandle VH_MAX = handle(LAYOUT, "max");

        private MemPoolEvent() {
        }
    }

    /** {@code struct vmop_event}: EV_VMOP record (128 bytes). */
    public static final class VmopEvent {
        public static final StructLayout LAYOUT = struct("vmop_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u32("mode"),
                u32("name_len"),
                bytes("name", 64));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long MODE = offset(LAYOUT, "mode");
        public static final long NAME_LEN = offset(LAYOUT, "name_len");
        public static final long NAME = offset(LAYOUT, "name");
        public static final VarHandle VH_MODE = handle(LAYOUT, "mode");
        public static final VarHandle VH_NAME_LEN = handle(LAYOUT, "name_len");

        private VmopEvent() {
        }
    }

    /** {@code struct compile_event}: EV_COMPILE record (336 bytes). */
    public static final class CompileEvent {
        public static final StructLayout LAYOUT = struct("compile_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u8("success"),
                bytes("_pad", 7),
                bytes("compiler", 16),
                bytes("class_name", 128),
                bytes("method_name", 64),
                bytes("signature", 64));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long SUCCESS = offset(LAYOUT, "success");
        public static final long COMPILER = offset(LAYOUT, "compiler");
        public static final long CLASS_NAME = offset(LAYOUT, "class_name");
        public static final long METHOD_NAME = offset(LAYOUT, "method_name");
        public static final long SIGNATURE = offset(LAYOUT, "signature");
        public static final VarHandle VH_SUCCESS = handle(LAYOUT, "success");

        private CompileEvent() {
        }
    }

    /** {@code struct monitor_event}: EV_MONITOR_CONTENDED record (208 bytes). */
    public static final class MonitorEvent {
        public static final StructLayout LAYOUT = struct("monitor_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("java_thread_id"),
                u64("monitor_id"),
                u32("class_len"),
                u32("_pad"),
                bytes("class_name", 128));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long JAVA_THREAD_ID = offset(LAYOUT, "java_thread_id");
        public static final long MONITOR_ID = offset(LAYOUT, "monitor_id");
        public static final long CLASS_LEN = offset(LAYOUT, "class_len");
        public static final long CLASS_NAME = offset(LAYOUT, "class_name");
        public static final VarHandle VH_JAVA_THREAD_ID = handle(LAYOUT, "java_thread_id");
        public static final VarHandle VH_MONITOR_ID = handle(LAYOUT, "monitor_id");
        public static final VarHandle VH_CLASS_LEN = handle(LAYOUT, "class_len");

        private MonitorEvent() {
        }
    }

    /** {@code struct class_event}: EV_CLASS_LOADED record (200 bytes). */
    public static final class ClassEvent {
        public static final StructLayout LAYOUT = struct("class_event",
                CommonLayouts.EventHdr.LAYOUT.withName("hdr"),
                u64("loader_id"),
                u32("name_len"),
                u8("shared"),
                bytes("_pad", 3),
                bytes("name", 128));
        public static final long SIZE = LAYOUT.byteSize();
        public static final long HDR = offset(LAYOUT, "hdr");
        public static final long LOADER_ID = offset(LAYOUT, "loader_id");
        public static final long NAME_LEN = offset(LAYOUT, "name_len");
        public static final long SHARED = offset(LAYOUT, "shared");
        public static final long NAME = offset(LAYOUT, "name");
        public static final VarHandle VH_LOADER_ID = handle(LAYOUT, "loader_id");
        public static final VarHandle VH_NAME_LEN = handle(LAYOUT, "name_len");
        public static final VarHandle VH_SHARED = handle(LAYOUT, "shared");

        private ClassEvent() {
        }
    }

    /** Every struct of this object user space reads, by C name. */
    public static Map<String, StructLayout> all() {
        return Map.ofEntries(
                Map.entry("thread_event", ThreadEvent.LAYOUT),
                Map.entry("java_thread", JavaThread.LAYOUT),
                Map.entry("pause_clocks", PauseClocks.LAYOUT),
                Map.entry("compile_key", CompileKey.LAYOUT),
                Map.entry("compile_stats", CompileStats.LAYOUT),
                Map.entry("gc_event", GcEvent.LAYOUT),
                Map.entry("mem_pool_event", MemPoolEvent.LAYOUT),
                Map.entry("vmop_event", VmopEvent.LAYOUT),
                Map.entry("compile_event", CompileEvent.LAYOUT),
                Map.entry("monitor_event", MonitorEvent.LAYOUT),
                Map.entry("class_event", ClassEvent.LAYOUT));
    }
}
