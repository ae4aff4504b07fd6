// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One program per attach kind for the link tests. Each counts the hits of the test process
// (tgid in settings[0]) in hits[slot] and records the last BPF cookie it saw in cookies[slot].
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} cookies SEC(".maps");

enum { TRACEPOINT, RAW_TP, UPROBE, URETPROBE, PERF, CGROUP, TP_BTF, UPROBE_MULTI, TRACEPOINT_2 };

static __always_inline int mine(void)
{
	__u32 k = 0;
	__u64 *tgid = bpf_map_lookup_elem(&settings, &k);
	return tgid && *tgid == bpf_get_current_pid_tgid() >> 32;
}

static __always_inline void hit(__u32 slot, __u64 cookie)
{
	__u64 *v = bpf_map_lookup_elem(&hits, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&cookies, &slot);
	if (v)
		*v = cookie;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_tracepoint(void *ctx)
{
	if (mine())
		hit(TRACEPOINT, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_tracepoint_2(void *ctx)
{
	if (mine())
		hit(TRACEPOINT_2, 0);
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int on_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	// args[1] is the syscall number
	if (mine() && ctx->args[1] == 39)
		hit(RAW_TP, 0);
	return 0;
}

SEC("tp_btf/sys_enter")
int on_tp_btf(u64 *ctx)
{
	if (mine() && ctx[1] == 39)
		hit(TP_BTF, 0);
	return 0;
}

SEC("uprobe")
int on_uprobe(struct pt_regs *ctx)
{
	if (mine())
		hit(UPROBE, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("uretprobe")
int on_uretprobe(struct pt_regs *ctx)
{
	if (mine())
		hit(URETPROBE, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("uprobe.multi")
int on_uprobe_multi(struct pt_regs *ctx)
{
	if (mine())
		hit(UPROBE_MULTI, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("perf_event")
int on_perf(struct bpf_perf_event_data *ctx)
{
	if (mine())
		hit(PERF, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("cgroup_skb/egress")
int on_egress(struct __sk_buff *skb)
{
	hit(CGROUP, 0);
	return 1;
}

// writes the pid of every task, 4 bytes each
SEC("iter/task")
int on_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	__u32 pid;

	if (!task)
		return 0;
	pid = task->pid;
	bpf_seq_write(seq, &pid, sizeof(pid));
	return 0;
}
