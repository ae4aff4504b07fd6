// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * On-CPU sampling profiler: user space opens a software cpu-clock perf event per CPU (pid -1,
 * sample_freq or sample_period of its choice; the hardware PMU is absent here) and attaches
 * on_cpu_sample; each sample of a JVM thread counts its (thread, user stack, kernel stack).
 * Java frames need -XX:+PreserveFramePointer to be walkable.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Which stacks to walk. */
const volatile __u8 capture_user_stacks = 1;
const volatile __u8 capture_kernel_stacks = 1;

/* 16 bytes. Stack ids index `stacks`; negative values are -errno of the walk (-EFAULT: no
 * frame-pointer chain, -EEXIST: hash collision in a full map, -ENOENT: not captured). */
struct sample_key {
	__u32 tid;
	__s32 user_stack_id;
	__s32 kernel_stack_id;
	__u32 _pad;
};
_Static_assert(sizeof(struct sample_key) == 16, "layout mirrored in PROBES.md");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, struct sample_key);
	__type(value, __u64);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8192);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(stack_ips_t));
} stacks SEC(".maps");

/* Samples lost because `samples` was full. */
__u64 samples_dropped = 0;

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	struct sample_key key;
	__u64 one = 1, *n;
	__u32 tid;

	if (!current_wanted(&tid) || tid == 0)
		return 0;
	/* field by field: a constant initializer would land in a .rodata.cst16 section */
	key.tid = tid;
	key._pad = 0;
	key.user_stack_id = capture_user_stacks ? bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK) : -ENOENT;
	key.kernel_stack_id = capture_kernel_stacks ? bpf_get_stackid(ctx, &stacks, 0) : -ENOENT;
	n = bpf_map_lookup_elem(&samples, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (bpf_map_update_elem(&samples, &key, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&samples, &key);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			__sync_fetch_and_add(&samples_dropped, 1);
	}
	return 0;
}
