// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Counts openat(2) calls per thread of one process: a classic tracepoint, a hash map with a
// struct key and a struct value, and a .rodata constant set before load.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct thread_key {
	__u32 tgid;
	__u32 tid;
};

struct open_count {
	__u64 calls;
	__u64 last_ns;   /* bpf_ktime_get_ns() of the last call */
	__s32 last_dfd;  /* its directory descriptor argument */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct thread_key);
	__type(value, struct open_count);
} opens SEC(".maps");

/* the process to count, 0 for every process: a constant to the verifier */
const volatile __u32 target_tgid = 0;

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct thread_key key = { .tgid = id >> 32, .tid = (__u32)id };
	struct open_count *count;

	if (target_tgid && key.tgid != target_tgid)
		return 0;
	count = bpf_map_lookup_elem(&opens, &key);
	if (!count) {
		struct open_count zero = {};

		bpf_map_update_elem(&opens, &key, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&opens, &key);
		if (!count)
			return 0;
	}
	__sync_fetch_and_add(&count->calls, 1);
	count->last_ns = bpf_ktime_get_ns();
	count->last_dfd = (__s32)ctx->args[0];
	return 0;
}
