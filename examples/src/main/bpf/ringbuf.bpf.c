// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One ring buffer record per program a process starts: a tp_btf program reading the task with
// CO-RE, a record type brought into BTF for the generated bindings, a ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct exec_event {
	__u32 pid;
	__u32 ppid;
	__u64 time_ns;
	char comm[16];     /* the new program's name (TASK_COMM_LEN) */
};
/* a record only locals have is not in BTF: this pointer, never read, puts it there */
struct exec_event *__btf_export_exec_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

/* only the children of this process, 0 for every exec */
const volatile __u32 parent_tgid = 0;

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
	struct exec_event *e;

	if (parent_tgid && ppid != parent_tgid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = BPF_CORE_READ(task, tgid);
	e->ppid = ppid;
	e->time_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
