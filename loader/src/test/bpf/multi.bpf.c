// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Linker test object: several programs in one section, a chain of subprograms shared by programs,
// a global (non-static) function called across sections, and a callback passed by address.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

static __noinline __u64 leaf(__u64 x)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&slots, &k);
	return v ? *v + x : x;
}

static __noinline __u64 middle(__u64 x)
{
	return leaf(x) * 3;
}

__noinline int shared_global(int x)
{
	return x + 7;
}

static long loop_cb(__u64 index, void *ctx)
{
	__u64 *sum = ctx;
	*sum += leaf(index);
	return 0;
}

SEC("xdp")
int xdp_one(struct xdp_md *ctx)
{
	return (int)middle(ctx->ingress_ifindex) & 3;
}

SEC("xdp")
int xdp_two(struct xdp_md *ctx)
{
	__u64 sum = 0;
	bpf_loop(4, loop_cb, &sum, 0);
	return shared_global((int)sum) & 3;
}

SEC("tp/syscalls/sys_enter_getpid")
int tp_calls_global(void *ctx)
{
	return shared_global(1) + (int)leaf(2);
}

SEC("uprobe.s/libc.so.6:malloc")
int sleepy(void *ctx)
{
	return 0;
}
