// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Programs the verifier must reject, for the loader's error reporting: a null map value
// dereference (the log quotes this source line) and a read of a field the kernel's
// task_struct lacks (its CO-RE relocation is poisoned), next to a program that is fine.
// (A hash map: lookups in arrays with a constant in-range key are never null on new kernels.)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

struct task_struct___missing {
	long no_such_field;
} __attribute__((preserve_access_index));

SEC("tp/syscalls/sys_enter_getpid")
int fine(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int null_deref(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&values, &k);
	return *v; /* no null check */
}

SEC("tp_btf/sched_switch")
int missing_field(void *ctx)
{
	struct task_struct___missing *t = (void *)bpf_get_current_task_btf();
	return t->no_such_field;
}
