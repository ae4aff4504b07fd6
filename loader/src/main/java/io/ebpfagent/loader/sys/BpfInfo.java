package io.ebpfagent.loader.sys;

import static io.ebpfagent.loader.sys.BpfAttr.OBJ_NAME;
import static io.ebpfagent.loader.sys.BpfAttr.U32;
import static io.ebpfagent.loader.sys.BpfAttr.U64;
import static io.ebpfagent.loader.sys.Structs.offset;
import static io.ebpfagent.loader.sys.Structs.struct;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * The structs {@code BPF_OBJ_GET_INFO_BY_FD} fills ({@code bpf_map_info}, {@code bpf_prog_info},
 * {@code bpf_btf_info}, the common head of {@code bpf_link_info}), transcribed from the UAPI
 * header up to Linux 6.18. The kernel writes {@code min(info_len, sizeof its struct)} bytes and
 * reports the length it wrote, so a layout longer or shorter than the kernel's both work; fields
 * past the written length read as zero.
 */
public final class BpfInfo {
    private BpfInfo() {
    }

    /** {@code struct bpf_map_info}. */
    public static final class Map {
        public static final StructLayout LAYOUT = struct(
                "type", U32, "id", U32, "key_size", U32, "value_size", U32, "max_entries", U32,
                "map_flags", U32, "name", OBJ_NAME, "ifindex", U32, "btf_vmlinux_value_type_id", U32,
                "netns_dev", U64, "netns_ino", U64, "btf_id", U32, "btf_key_type_id", U32,
                "btf_value_type_id", U32, "btf_vmlinux_id", U32, "map_extra", U64);
        public static final long TYPE = offset(LAYOUT, "type");
        public static final long ID = offset(LAYOUT, "id");
        public static final long KEY_SIZE = offset(LAYOUT, "key_size");
        public static final long VALUE_SIZE = offset(LAYOUT, "value_size");
        public static final long MAX_ENTRIES = offset(LAYOUT, "max_entries");
        public static final long MAP_FLAGS = offset(LAYOUT, "map_flags");
        public static final long NAME = offset(LAYOUT, "name");
        public static final long IFINDEX = offset(LAYOUT, "ifindex");
        public static final long BTF_VMLINUX_VALUE_TYPE_ID = offset(LAYOUT, "btf_vmlinux_value_type_id");
        public static final long BTF_ID = offset(LAYOUT, "btf_id");
        public static final long BTF_KEY_TYPE_ID = offset(LAYOUT, "btf_key_type_id");
        public static final long BTF_VALUE_TYPE_ID = offset(LAYOUT, "btf_value_type_id");
        public static final long MAP_EXTRA = offset(LAYOUT, "map_extra");

        private Map() {
        }
    }

    /** {@code struct bpf_prog_info}. */
    public static final class Prog {
        public static final StructLayout LAYOUT = struct(
                "type", U32, "id", U32, "tag", MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE),
                "jited_prog_len", U32, "xlated_prog_len", U32, "jited_prog_insns", U64,
                "xlated_prog_insns", U64, "load_time", U64, "created_by_uid", U32, "nr_map_ids", U32,
                "map_ids", U64, "name", OBJ_NAME, "ifindex", U32, "gpl_compatible", U32,
                "netns_dev", U64, "netns_ino", U64, "nr_jited_ksyms", U32, "nr_jited_func_lens", U32,
                "jited_ksyms", U64, "jited_func_lens", U64, "btf_id", U32, "func_info_rec_size", U32,
                "func_info", U64, "nr_func_info", U32, "nr_line_info", U32, "line_info", U64,
                "jited_line_info", U64, "nr_jited_line_info", U32, "line_info_rec_size", U32,
                "jited_line_info_rec_size", U32, "nr_prog_tags", U32, "prog_tags", U64,
                "run_time_ns", U64, "run_cnt", U64, "recursion_misses", U64, "verified_insns", U32,
                "attach_btf_obj_id", U32, "attach_btf_id", U32);
        public static final long TYPE = offset(LAYOUT, "type");
        public static final long ID = offset(LAYOUT, "id");
        public static final long TAG = offset(LAYOUT, "tag");
        public static final long JITED_PROG_LEN = offset(LAYOUT, "jited_prog_len");
        public static final long XLATED_PROG_LEN = offset(LAYOUT, "xlated_prog_len");
        public static final long XLATED_PROG_INSNS = offset(LAYOUT, "xlated_prog_insns");
        public static final long LOAD_TIME = offset(LAYOUT, "load_time");
        public static final long CREATED_BY_UID = offset(LAYOUT, "created_by_uid");
        public static final long NR_MAP_IDS = offset(LAYOUT, "nr_map_ids");
        public static final long MAP_IDS = offset(LAYOUT, "map_ids");
        public static final long NAME = offset(LAYOUT, "name");
        public static final long GPL_COMPATIBLE = offset(LAYOUT, "gpl_compatible");
        public static final long BTF_ID = offset(LAYOUT, "btf_id");
        public static final long RUN_TIME_NS = offset(LAYOUT, "run_time_ns");
        public static final long RUN_CNT = offset(LAYOUT, "run_cnt");
        public static final long RECURSION_MISSES = offset(LAYOUT, "recursion_misses");
        public static final long VERIFIED_INSNS = offset(LAYOUT, "verified_insns");
        public static final long ATTACH_BTF_OBJ_ID = offset(LAYOUT, "attach_btf_obj_id");
        public static final long ATTACH_BTF_ID = offset(LAYOUT, "attach_btf_id");

        private Prog() {
        }
    }

    /** {@code struct bpf_btf_info}. */
    public static final class Btf {
        public static final StructLayout LAYOUT = struct(
                "btf", U64, "btf_size", U32, "id", U32, "name", U64, "name_len", U32, "kernel_btf", U32);
        public static final long BTF = offset(LAYOUT, "btf");
        public static final long BTF_SIZE = offset(LAYOUT, "btf_size");
        public static final long ID = offset(LAYOUT, "id");
        public static final long NAME = offset(LAYOUT, "name");
        public static final long NAME_LEN = offset(LAYOUT, "name_len");
        public static final long KERNEL_BTF = offset(LAYOUT, "kernel_btf");

        private Btf() {
        }
    }

    /**
     * The common head of {@code struct bpf_link_info}; the per-type union starts at
     * {@link #UNION} and the whole struct fits in {@link #SIZE} bytes.
     */
    public static final class Link {
        public static final StructLayout LAYOUT = struct(
                "type", U32, "id", U32, "prog_id", U32, "union", MemoryLayout.sequenceLayout(14, U64));
        public static final long TYPE = offset(LAYOUT, "type");
        public static final long ID = offset(LAYOUT, "id");
        public static final long PROG_ID = offset(LAYOUT, "prog_id");
        public static final long UNION = offset(LAYOUT, "union");
        public static final long SIZE = LAYOUT.byteSize();

        private Link() {
        }
    }
}
