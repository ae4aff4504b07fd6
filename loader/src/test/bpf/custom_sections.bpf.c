// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Global variables in sections that are no map (as libxdp's SEC("xdp_metadata") and
// .xdp_run_config): the object's BTF must stay loadable, since the spin-locked map value needs
// it. Sections holding only static variables are not mmapable, as in libbpf.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u32 metadata_version SEC("xdp_metadata") = 3;
struct {
	__u32 priority;
	__u32 chain_call_actions;
} run_config SEC(".xdp_run_config") = { .priority = 10, .chain_call_actions = 1 << 2 };

struct locked_value {
	struct bpf_spin_lock lock;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked_value);
} locked SEC(".maps");

static __u64 static_hits;                   // .bss: static only
static const volatile __u32 static_limit = 7; // .rodata: static only
__u64 global_hits = 0;                      // .bss with a global variable: mmapable

SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct locked_value *v = bpf_map_lookup_elem(&locked, &key);
	if (v) {
		bpf_spin_lock(&v->lock);
		v->count++;
		bpf_spin_unlock(&v->lock);
	}
	static_hits++;
	global_hits++;
	return static_hits > static_limit ? XDP_DROP : XDP_PASS;
}
