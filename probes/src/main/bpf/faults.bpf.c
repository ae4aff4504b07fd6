// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Page faults of the JVM's threads, minor and major, per thread.
 *
 * Software perf events instead of the exceptions:page_fault_user tracepoint: the tracepoint
 * fires before the fault is resolved and cannot say whether it needed I/O, while the kernel
 * counts PERF_COUNT_SW_PAGE_FAULTS_MAJ/MIN after resolving it (mm_account_fault). One program
 * per kind; user space opens one perf event per CPU (pid -1) with the matching config and attaches
 * the program.
 *
 * The counts are the kernel's own per-task counters (task min_flt / maj_flt, what
 * /proc/<pid>/task/<tid>/stat prints), copied at every run: mm_account_fault increments them
 * before it raises the perf event, so they include the fault being handled, the faults from the
 * thread's start (also before the probe attached) and the ones without a perf event (faults
 * taken for get_user_pages). With a sample_period above 1 the values only lag by up to a period.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Record the user stack of major faults in `fault_stacks` (what code waits on paging). */
const volatile __u8 capture_stacks = 0;

/* 16 bytes: the thread's counters since it started */
struct fault_stats {
	__u64 minor;
	__u64 major;
};
_Static_assert(sizeof(struct fault_stats) == 16, "layout mirrored in PROBES.md");

/* 8 bytes */
struct fault_stack_key {
	__u32 tid;
	__s32 user_stack_id;  /* negative errno when the walk failed */
};
_Static_assert(sizeof(struct fault_stack_key) == 8, "layout mirrored in PROBES.md");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u32);
	__type(value, struct fault_stats);
} fault_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct fault_stack_key);
	__type(value, __u64);
} fault_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(stack_ips_t));
} stacks SEC(".maps");

static const struct fault_stats zero_stats;

static __always_inline struct fault_stats *stats_of(__u32 tid)
{
	return lookup_or_init(&fault_stats, &tid, &zero_stats);
}

/* Copies the current thread's own fault counters; plain stores: only the thread itself faults. */
static __always_inline struct fault_stats *copy_counters(__u32 tid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fault_stats *st = stats_of(tid);

	if (st) {
		st->minor = task->min_flt;
		st->major = task->maj_flt;
	}
	return st;
}

SEC("perf_event")
int on_minor_fault(struct bpf_perf_event_data *ctx)
{
	__u32 tid;

	if (!current_wanted(&tid) || tid == 0)
		return 0;
	copy_counters(tid);
	return 0;
}

SEC("perf_event")
int on_major_fault(struct bpf_perf_event_data *ctx)
{
	__u32 tid;

	if (!current_wanted(&tid) || tid == 0)
		return 0;
	copy_counters(tid);
	if (capture_stacks) {
		struct fault_stack_key key = {
			.tid = tid,
			.user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK),
		};
		__u64 zero = 0, *n = lookup_or_init(&fault_stacks, &key, &zero);

		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return 0;
}
