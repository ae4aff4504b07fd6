// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Test program for CO-RE relocation: every relocation kind against the kernel's task_struct,
// a flavored local struct with a field the kernel lacks, and enum values. Each result is stored
// into its own slot of `out` so the test can find the relocated instruction of each.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

// a local view of task_struct: `pid` exists in the kernel, `no_such_field` does not
struct task_struct___flavor {
	int pid;
	long no_such_field;
} __attribute__((preserve_access_index));

enum bpf_map_type___flavor {
	BPF_MAP_TYPE_RINGBUF___flavor = 1000,
	BPF_MAP_TYPE_NO_SUCH_MAP___flavor = 1001,
};

struct no_such_kernel_type {
	int x;
} __attribute__((preserve_access_index));

__u64 out[32];

SEC("tp_btf/sched_switch")
int core_test(void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct task_struct___flavor *f = (void *)t;

	out[0] = BPF_CORE_READ(t, pid);                          /* byte offset (probe read) */
	out[1] = BPF_CORE_READ(t, real_parent, tgid);            /* two offsets */
	out[2] = t->tgid;                                        /* LDX offset */
	out[3] = bpf_core_field_exists(t->pid);
	out[4] = bpf_core_field_exists(f->no_such_field);
	out[5] = bpf_core_type_size(struct task_struct);
	out[6] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	out[7] = bpf_core_field_size(t->comm);
	out[8] = bpf_core_field_offset(t->comm);
	out[9] = BPF_CORE_READ_BITFIELD(t, in_iowait);          /* bitfield: offset, size, shifts */
	out[10] = __builtin_preserve_field_info(t->pid, BPF_FIELD_SIGNED);
	out[11] = bpf_core_type_exists(struct task_struct___flavor);
	out[12] = bpf_core_type_exists(struct no_such_kernel_type);
	out[13] = bpf_core_enum_value_exists(enum bpf_map_type___flavor, BPF_MAP_TYPE_RINGBUF___flavor);
	out[14] = bpf_core_enum_value_exists(enum bpf_map_type___flavor, BPF_MAP_TYPE_NO_SUCH_MAP___flavor);
	out[15] = bpf_core_enum_value(enum bpf_map_type___flavor, BPF_MAP_TYPE_RINGBUF___flavor);
	out[16] = bpf_core_type_id_kernel(struct task_struct);
	out[17] = bpf_core_type_id_local(struct task_struct);
	out[18] = bpf_core_type_matches(struct task_struct);
	out[19] = bpf_core_field_offset(f->pid);
	if (bpf_core_field_exists(f->no_such_field))
		out[20] = f->no_such_field;                      /* poisoned, dead after relocation */
	out[21] = bpf_core_field_offset(t->comm[3]);             /* array index accessor */
	out[22] = bpf_core_type_matches(struct list_head);
	return 0;
}
