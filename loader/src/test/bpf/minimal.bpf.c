// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Test program for the loader: one tracepoint program calling a subprogram, a BTF-defined hash
// map, a ring buffer, and all three kinds of global data (.rodata, .data, .bss).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct event {
	__u32 tgid;
	__u32 tid;
	__u64 seq;
	__u64 magic;
};

const volatile __u32 target_tgid = 0;
__u64 hits = 0;
__u64 magic = 0xfeedface;

static __noinline int bump(__u32 tid)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &tid);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	return bpf_map_update_elem(&counts, &tid, &one, BPF_NOEXIST);
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct event *e;

	if (target_tgid && tgid != target_tgid)
		return 0;
	bump(tid);
	__u64 seq = __sync_fetch_and_add(&hits, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->tgid = tgid;
	e->tid = tid;
	e->seq = seq;
	e->magic = magic;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
