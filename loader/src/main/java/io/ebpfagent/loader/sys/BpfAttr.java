package io.ebpfagent.loader.sys;

import static io.ebpfagent.loader.sys.Structs.offset;
import static io.ebpfagent.loader.sys.Structs.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The members of the kernel's {@code union bpf_attr}, one layout per command family,
 * transcribed from {@code include/uapi/linux/bpf.h} up to Linux 6.18 (each ends at the last
 * field this loader may set). Passing a layout's size to {@code bpf(2)} is always safe: an
 * older kernel accepts a longer attribute as long as the bytes it does not know are zero, and a
 * newer kernel zero-fills what we did not send.
 *
 * <p>Each nested class holds the {@code LAYOUT} and the byte offset of every field, so callers
 * write {@code attr.set(JAVA_INT, MapCreate.KEY_SIZE, 4)} without a {@code VarHandle} per field.
 */
public final class BpfAttr {
    private BpfAttr() {
    }

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;
    /** {@code char[BPF_OBJ_NAME_LEN]}. */
    static final MemoryLayout OBJ_NAME = MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE);
    /** Length of kernel object names including the terminating NUL. */
    public static final int OBJ_NAME_LEN = 16;

    /** {@code BPF_MAP_CREATE}. */
    public static final class MapCreate {
        public static final StructLayout LAYOUT = struct(
                "map_type", U32, "key_size", U32, "value_size", U32, "max_entries", U32,
                "map_flags", U32, "inner_map_fd", U32, "numa_node", U32, "map_name", OBJ_NAME,
                "map_ifindex", U32, "btf_fd", U32, "btf_key_type_id", U32, "btf_value_type_id", U32,
                "btf_vmlinux_value_type_id", U32, "map_extra", U64, "value_type_btf_obj_fd", U32,
                "map_token_fd", U32);
        public static final long MAP_TYPE = offset(LAYOUT, "map_type");
        public static final long KEY_SIZE = offset(LAYOUT, "key_size");
        public static final long VALUE_SIZE = offset(LAYOUT, "value_size");
        public static final long MAX_ENTRIES = offset(LAYOUT, "max_entries");
        public static final long MAP_FLAGS = offset(LAYOUT, "map_flags");
        public static final long INNER_MAP_FD = offset(LAYOUT, "inner_map_fd");
        public static final long NUMA_NODE = offset(LAYOUT, "numa_node");
        public static final long MAP_NAME = offset(LAYOUT, "map_name");
        public static final long MAP_IFINDEX = offset(LAYOUT, "map_ifindex");
        public static final long BTF_FD = offset(LAYOUT, "btf_fd");
        public static final long BTF_KEY_TYPE_ID = offset(LAYOUT, "btf_key_type_id");
        public static final long BTF_VALUE_TYPE_ID = offset(LAYOUT, "btf_value_type_id");
        public static final long BTF_VMLINUX_VALUE_TYPE_ID = offset(LAYOUT, "btf_vmlinux_value_type_id");
        public static final long MAP_EXTRA = offset(LAYOUT, "map_extra");
        public static final long VALUE_TYPE_BTF_OBJ_FD = offset(LAYOUT, "value_type_btf_obj_fd");
        public static final long MAP_TOKEN_FD = offset(LAYOUT, "map_token_fd");

        private MapCreate() {
        }
    }

    /** {@code BPF_MAP_*_ELEM} and {@code BPF_MAP_GET_NEXT_KEY}, {@code BPF_MAP_FREEZE} (map_fd only). */
    public static final class MapElem {
        public static final StructLayout LAYOUT = struct(
                "map_fd", U32, "key", U64, "value", U64, "flags", U64);
        public static final long MAP_FD = offset(LAYOUT, "map_fd");
        public static final long KEY = offset(LAYOUT, "key");
        /** {@code value}, or {@code next_key} for {@code BPF_MAP_GET_NEXT_KEY}. */
        public static final long VALUE = offset(LAYOUT, "value");
        public static final long NEXT_KEY = VALUE;
        public static final long FLAGS = offset(LAYOUT, "flags");

        private MapElem() {
        }
    }

    /** {@code BPF_MAP_*_BATCH}. */
    public static final class MapBatch {
        public static final StructLayout LAYOUT = struct(
                "in_batch", U64, "out_batch", U64, "keys", U64, "values", U64, "count", U32,
                "map_fd", U32, "elem_flags", U64, "flags", U64);
        public static final long IN_BATCH = offset(LAYOUT, "in_batch");
        public static final long OUT_BATCH = offset(LAYOUT, "out_batch");
        public static final long KEYS = offset(LAYOUT, "keys");
        public static final long VALUES = offset(LAYOUT, "values");
        public static final long COUNT = offset(LAYOUT, "count");
        public static final long MAP_FD = offset(LAYOUT, "map_fd");
        public static final long ELEM_FLAGS = offset(LAYOUT, "elem_flags");
        public static final long FLAGS = offset(LAYOUT, "flags");

        private MapBatch() {
        }
    }

    /** {@code BPF_PROG_LOAD}. */
    public static final class ProgLoad {
        public static final StructLayout LAYOUT = struct(
                "prog_type", U32, "insn_cnt", U32, "insns", U64, "license", U64, "log_level", U32,
                "log_size", U32, "log_buf", U64, "kern_version", U32, "prog_flags", U32,
                "prog_name", OBJ_NAME, "prog_ifindex", U32, "expected_attach_type", U32,
                "prog_btf_fd", U32, "func_info_rec_size", U32, "func_info", U64, "func_info_cnt", U32,
                "line_info_rec_size", U32, "line_info", U64, "line_info_cnt", U32, "attach_btf_id", U32,
                "attach_prog_fd", U32, "core_relo_cnt", U32, "fd_array", U64, "core_relos", U64,
                "core_relo_rec_size", U32, "log_true_size", U32, "prog_token_fd", U32, "fd_array_cnt", U32);
        public static final long PROG_TYPE = offset(LAYOUT, "prog_type");
        public static final long INSN_CNT = offset(LAYOUT, "insn_cnt");
        public static final long INSNS = offset(LAYOUT, "insns");
        public static final long LICENSE = offset(LAYOUT, "license");
        public static final long LOG_LEVEL = offset(LAYOUT, "log_level");
        public static final long LOG_SIZE = offset(LAYOUT, "log_size");
        public static final long LOG_BUF = offset(LAYOUT, "log_buf");
        public static final long KERN_VERSION = offset(LAYOUT, "kern_version");
        public static final long PROG_FLAGS = offset(LAYOUT, "prog_flags");
        public static final long PROG_NAME = offset(LAYOUT, "prog_name");
        public static final long PROG_IFINDEX = offset(LAYOUT, "prog_ifindex");
        public static final long EXPECTED_ATTACH_TYPE = offset(LAYOUT, "expected_attach_type");
        public static final long PROG_BTF_FD = offset(LAYOUT, "prog_btf_fd");
        public static final long FUNC_INFO_REC_SIZE = offset(LAYOUT, "func_info_rec_size");
        public static final long FUNC_INFO = offset(LAYOUT, "func_info");
        public static final long FUNC_INFO_CNT = offset(LAYOUT, "func_info_cnt");
        public static final long LINE_INFO_REC_SIZE = offset(LAYOUT, "line_info_rec_size");
        public static final long LINE_INFO = offset(LAYOUT, "line_info");
        public static final long LINE_INFO_CNT = offset(LAYOUT, "line_info_cnt");
        public static final long ATTACH_BTF_ID = offset(LAYOUT, "attach_btf_id");
        /** {@code attach_prog_fd}, or (same field) {@code attach_btf_obj_fd}. */
        public static final long ATTACH_PROG_FD = offset(LAYOUT, "attach_prog_fd");
        public static final long ATTACH_BTF_OBJ_FD = ATTACH_PROG_FD;
        public static final long CORE_RELO_CNT = offset(LAYOUT, "core_relo_cnt");
        public static final long FD_ARRAY = offset(LAYOUT, "fd_array");
        public static final long CORE_RELOS = offset(LAYOUT, "core_relos");
        public static final long CORE_RELO_REC_SIZE = offset(LAYOUT, "core_relo_rec_size");
        public static final long LOG_TRUE_SIZE = offset(LAYOUT, "log_true_size");
        public static final long PROG_TOKEN_FD = offset(LAYOUT, "prog_token_fd");
        public static final long FD_ARRAY_CNT = offset(LAYOUT, "fd_array_cnt");

        private ProgLoad() {
        }
    }

    /** {@code BPF_OBJ_PIN}, {@code BPF_OBJ_GET}. */
    public static final class Obj {
        public static final StructLayout LAYOUT = struct(
                "pathname", U64, "bpf_fd", U32, "file_flags", U32, "path_fd", U32);
        public static final long PATHNAME = offset(LAYOUT, "pathname");
        public static final long BPF_FD = offset(LAYOUT, "bpf_fd");
        public static final long FILE_FLAGS = offset(LAYOUT, "file_flags");
        public static final long PATH_FD = offset(LAYOUT, "path_fd");

        private Obj() {
        }
    }

    /** {@code BPF_PROG_ATTACH}, {@code BPF_PROG_DETACH}. */
    public static final class ProgAttach {
        public static final StructLayout LAYOUT = struct(
                "target_fd", U32, "attach_bpf_fd", U32, "attach_type", U32, "attach_flags", U32,
                "replace_bpf_fd", U32, "relative_fd", U32, "expected_revision", U64);
        public static final long TARGET_FD = offset(LAYOUT, "target_fd");
        public static final long ATTACH_BPF_FD = offset(LAYOUT, "attach_bpf_fd");
        public static final long ATTACH_TYPE = offset(LAYOUT, "attach_type");
        public static final long ATTACH_FLAGS = offset(LAYOUT, "attach_flags");
        public static final long REPLACE_BPF_FD = offset(LAYOUT, "replace_bpf_fd");
        /** {@code relative_fd} or (same field) {@code relative_id}. */
        public static final long RELATIVE_FD = offset(LAYOUT, "relative_fd");
        public static final long EXPECTED_REVISION = offset(LAYOUT, "expected_revision");

        private ProgAttach() {
        }
    }

    /** {@code BPF_PROG_TEST_RUN}. */
    public static final class TestRun {
        public static final StructLayout LAYOUT = struct(
                "prog_fd", U32, "retval", U32, "data_size_in", U32, "data_size_out", U32,
                "data_in", U64, "data_out", U64, "repeat", U32, "duration", U32, "ctx_size_in", U32,
                "ctx_size_out", U32, "ctx_in", U64, "ctx_out", U64, "flags", U32, "cpu", U32,
                "batch_size", U32);
        public static final long PROG_FD = offset(LAYOUT, "prog_fd");
        public static final long RETVAL = offset(LAYOUT, "retval");
        public static final long DATA_SIZE_IN = offset(LAYOUT, "data_size_in");
        public static final long DATA_SIZE_OUT = offset(LAYOUT, "data_size_out");
        public static final long DATA_IN = offset(LAYOUT, "data_in");
        public static final long DATA_OUT = offset(LAYOUT, "data_out");
        public static final long REPEAT = offset(LAYOUT, "repeat");
        public static final long DURATION = offset(LAYOUT, "duration");
        public static final long CTX_SIZE_IN = offset(LAYOUT, "ctx_size_in");
        public static final long CTX_SIZE_OUT = offset(LAYOUT, "ctx_size_out");
        public static final long CTX_IN = offset(LAYOUT, "ctx_in");
        public static final long CTX_OUT = offset(LAYOUT, "ctx_out");
        public static final long FLAGS = offset(LAYOUT, "flags");
        public static final long CPU = offset(LAYOUT, "cpu");
        public static final long BATCH_SIZE = offset(LAYOUT, "batch_size");

        private TestRun() {
        }
    }

    /** {@code BPF_*_GET_NEXT_ID} and {@code BPF_*_GET_FD_BY_ID}. */
    public static final class GetId {
        public static final StructLayout LAYOUT = struct(
                "start_id", U32, "next_id", U32, "open_flags", U32, "fd_by_id_token_fd", U32);
        /** {@code start_id}, or (same field) {@code prog_id}/{@code map_id}/{@code btf_id}/{@code link_id}. */
        public static final long ID = offset(LAYOUT, "start_id");
        public static final long NEXT_ID = offset(LAYOUT, "next_id");
        public static final long OPEN_FLAGS = offset(LAYOUT, "open_flags");

        private GetId() {
        }
    }

    /** {@code BPF_OBJ_GET_INFO_BY_FD}. */
    public static final class Info {
        public static final StructLayout LAYOUT = struct("bpf_fd", U32, "info_len", U32, "info", U64);
        public static final long BPF_FD = offset(LAYOUT, "bpf_fd");
        public static final long INFO_LEN = offset(LAYOUT, "info_len");
        public static final long INFO = offset(LAYOUT, "info");

        private Info() {
        }
    }

    /** {@code BPF_PROG_QUERY}. */
    public static final class Query {
        public static final StructLayout LAYOUT = struct(
                "target_fd", U32, "attach_type", U32, "query_flags", U32, "attach_flags", U32,
                "prog_ids", U64, "prog_cnt", U32, "prog_attach_flags", U64, "link_ids", U64,
                "link_attach_flags", U64, "revision", U64);
        public static final long TARGET_FD = offset(LAYOUT, "target_fd");
        public static final long ATTACH_TYPE = offset(LAYOUT, "attach_type");
        public static final long QUERY_FLAGS = offset(LAYOUT, "query_flags");
        public static final long ATTACH_FLAGS = offset(LAYOUT, "attach_flags");
        public static final long PROG_IDS = offset(LAYOUT, "prog_ids");
        /** {@code prog_cnt}, or (same field) {@code count}. */
        public static final long PROG_CNT = offset(LAYOUT, "prog_cnt");
        public static final long PROG_ATTACH_FLAGS = offset(LAYOUT, "prog_attach_flags");
        public static final long LINK_IDS = offset(LAYOUT, "link_ids");
        public static final long LINK_ATTACH_FLAGS = offset(LAYOUT, "link_attach_flags");
        public static final long REVISION = offset(LAYOUT, "revision");

        private Query() {
        }
    }

    /** {@code BPF_RAW_TRACEPOINT_OPEN}. */
    public static final class RawTracepoint {
        public static final StructLayout LAYOUT = struct("name", U64, "prog_fd", U32, "cookie", U64);
        public static final long NAME = offset(LAYOUT, "name");
        public static final long PROG_FD = offset(LAYOUT, "prog_fd");
        public static final long COOKIE = offset(LAYOUT, "cookie");

        private RawTracepoint() {
        }
    }

    /** {@code BPF_BTF_LOAD}. */
    public static final class BtfLoad {
        public static final StructLayout LAYOUT = struct(
                "btf", U64, "btf_log_buf", U64, "btf_size", U32, "btf_log_size", U32,
                "btf_log_level", U32, "btf_log_true_size", U32, "btf_flags", U32, "btf_token_fd", U32);
        public static final long BTF = offset(LAYOUT, "btf");
        public static final long BTF_LOG_BUF = offset(LAYOUT, "btf_log_buf");
        public static final long BTF_SIZE = offset(LAYOUT, "btf_size");
        public static final long BTF_LOG_SIZE = offset(LAYOUT, "btf_log_size");
        public static final long BTF_LOG_LEVEL = offset(LAYOUT, "btf_log_level");
        public static final long BTF_LOG_TRUE_SIZE = offset(LAYOUT, "btf_log_true_size");

        private BtfLoad() {
        }
    }

    /** {@code BPF_TASK_FD_QUERY}. */
    public static final class TaskFdQuery {
        public static final StructLayout LAYOUT = struct(
                "pid", U32, "fd", U32, "flags", U32, "buf_len", U32, "buf", U64, "prog_id", U32,
                "fd_type", U32, "probe_offset", U64, "probe_addr", U64);
        public static final long PID = offset(LAYOUT, "pid");
        public static final long FD = offset(LAYOUT, "fd");
        public static final long FLAGS = offset(LAYOUT, "flags");
        public static final long BUF_LEN = offset(LAYOUT, "buf_len");
        public static final long BUF = offset(LAYOUT, "buf");
        public static final long PROG_ID = offset(LAYOUT, "prog_id");
        public static final long FD_TYPE = offset(LAYOUT, "fd_type");
        public static final long PROBE_OFFSET = offset(LAYOUT, "probe_offset");
        public static final long PROBE_ADDR = offset(LAYOUT, "probe_addr");

        private TaskFdQuery() {
        }
    }

    /**
     * {@code BPF_LINK_CREATE}. The first 16 bytes are common; the rest is a union whose meaning
     * depends on the attach type, addressed here by the offsets of its members.
     */
    public static final class LinkCreate {
        public static final StructLayout LAYOUT = struct(
                "prog_fd", U32, "target_fd", U32, "attach_type", U32, "flags", U32,
                "union", MemoryLayout.sequenceLayout(6, U64));
        public static final long PROG_FD = offset(LAYOUT, "prog_fd");
        /** {@code target_fd} or (same field) {@code target_ifindex}. */
        public static final long TARGET_FD = offset(LAYOUT, "target_fd");
        public static final long ATTACH_TYPE = offset(LAYOUT, "attach_type");
        public static final long FLAGS = offset(LAYOUT, "flags");
        /** Start of the per-attach-type union. */
        public static final long UNION = offset(LAYOUT, "union");
        /** {@code target_btf_id} (fentry/fexit/lsm/freplace; also {@code tracing.target_btf_id}). */
        public static final long TARGET_BTF_ID = UNION;
        /** {@code iter_info} pointer and its length. */
        public static final long ITER_INFO = UNION;
        public static final long ITER_INFO_LEN = UNION + 8;
        /** {@code perf_event.bpf_cookie}. */
        public static final long PERF_EVENT_BPF_COOKIE = UNION;
        /** {@code kprobe_multi.{flags,cnt,syms,addrs,cookies}}. */
        public static final long KPROBE_MULTI_FLAGS = UNION;
        public static final long KPROBE_MULTI_CNT = UNION + 4;
        public static final long KPROBE_MULTI_SYMS = UNION + 8;
        public static final long KPROBE_MULTI_ADDRS = UNION + 16;
        public static final long KPROBE_MULTI_COOKIES = UNION + 24;
        /** {@code tracing.cookie}. */
        public static final long TRACING_COOKIE = UNION + 8;
        /** {@code uprobe_multi.{path,offsets,ref_ctr_offsets,cookies,cnt,flags,pid}}. */
        public static final long UPROBE_MULTI_PATH = UNION;
        public static final long UPROBE_MULTI_OFFSETS = UNION + 8;
        public static final long UPROBE_MULTI_REF_CTR_OFFSETS = UNION + 16;
        public static final long UPROBE_MULTI_COOKIES = UNION + 24;
        public static final long UPROBE_MULTI_CNT = UNION + 32;
        public static final long UPROBE_MULTI_FLAGS = UNION + 36;
        public static final long UPROBE_MULTI_PID = UNION + 40;
        /** {@code netfilter.{pf,hooknum,priority,flags}}. */
        public static final long NETFILTER_PF = UNION;
        public static final long NETFILTER_HOOKNUM = UNION + 4;
        public static final long NETFILTER_PRIORITY = UNION + 8;
        public static final long NETFILTER_FLAGS = UNION + 12;
        /** {@code tcx}/{@code netkit}: {@code relative_fd|relative_id}, {@code expected_revision}. */
        public static final long TCX_RELATIVE_FD = UNION;
        public static final long TCX_EXPECTED_REVISION = UNION + 8;

        private LinkCreate() {
        }
    }

    /** {@code BPF_LINK_UPDATE}. */
    public static final class LinkUpdate {
        public static final StructLayout LAYOUT = struct(
                "link_fd", U32, "new_prog_fd", U32, "flags", U32, "old_prog_fd", U32);
        public static final long LINK_FD = offset(LAYOUT, "link_fd");
        public static final long NEW_PROG_FD = offset(LAYOUT, "new_prog_fd");
        public static final long FLAGS = offset(LAYOUT, "flags");
        public static final long OLD_PROG_FD = offset(LAYOUT, "old_prog_fd");

        private LinkUpdate() {
        }
    }

    /** {@code BPF_LINK_DETACH}, {@code BPF_ENABLE_STATS}, {@code BPF_MAP_FREEZE}: one u32. */
    public static final class SingleU32 {
        public static final StructLayout LAYOUT = struct("value", U32);
        public static final long VALUE = 0;

        private SingleU32() {
        }
    }

    /** {@code BPF_ITER_CREATE}. */
    public static final class IterCreate {
        public static final StructLayout LAYOUT = struct("link_fd", U32, "flags", U32);
        public static final long LINK_FD = offset(LAYOUT, "link_fd");
        public static final long FLAGS = offset(LAYOUT, "flags");

        private IterCreate() {
        }
    }

    /** {@code BPF_PROG_BIND_MAP}. */
    public static final class ProgBindMap {
        public static final StructLayout LAYOUT = struct("prog_fd", U32, "map_fd", U32, "flags", U32);
        public static final long PROG_FD = offset(LAYOUT, "prog_fd");
        public static final long MAP_FD = offset(LAYOUT, "map_fd");
        public static final long FLAGS = offset(LAYOUT, "flags");

        private ProgBindMap() {
        }
    }
}
