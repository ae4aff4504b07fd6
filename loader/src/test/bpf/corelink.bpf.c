// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// CO-RE relocations in a program and in a subprogram it calls: the subprogram's relocations
// must move with it when the linker appends it.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

__u64 seen;

static __noinline int parent_tgid(struct task_struct *task)
{
	return BPF_CORE_READ(task, real_parent, tgid);
}

SEC("tp_btf/sched_process_fork")
int on_fork(__u64 *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	seen = BPF_CORE_READ(task, pid) + parent_tgid(task);
	if (bpf_core_field_exists(task->flags))
		seen++;
	return 0;
}
