// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Benchmark-only: what a hook costs before it does anything for the agent. Each program tests
 * the process as the probes do first and, for the target's tasks, adds one to a per-CPU counter
 * (so that the compiler keeps the test); floor_switch_clock also reads CLOCK_MONOTONIC, the
 * least a program timing something has to do. KernelHooksLiveBenchmark attaches them under a running service (-Dbench.probes=floor-...)
 * to measure the share of a request that no probe design hooking every context switch or every
 * system call can take back.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} kept SEC(".maps");

/* slot 0: programs that passed the test; slot 1: the last clock read */
static __always_inline void count(void)
{
	__u32 key = 0;
	__u64 *slot = bpf_map_lookup_elem(&kept, &key);

	if (slot)
		*slot += 1;
}

static __always_inline void keep_time(void)
{
	__u32 key = 1;
	__u64 *slot = bpf_map_lookup_elem(&kept, &key);

	if (slot)
		*slot = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (prev->tgid != target_tgid && next->tgid != target_tgid)
		return 0;
	count();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch_clock, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (prev->tgid != target_tgid && next->tgid != target_tgid)
		return 0;
	count();
	keep_time();
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	count();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	count();
	return 0;
}
