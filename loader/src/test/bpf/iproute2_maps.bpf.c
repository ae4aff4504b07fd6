// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// iproute2-style legacy maps (struct bpf_elf_map, as tc's examples declare them): one pinned
// globally (PIN_GLOBAL_NS: pinned by name), one not pinned, with a map id label.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define PIN_NONE 0
#define PIN_GLOBAL_NS 2

char LICENSE[] SEC("license") = "GPL";

struct bpf_elf_map SEC("maps") tc_counters = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 4,
	.pinning = PIN_GLOBAL_NS,
};

struct bpf_elf_map SEC("maps") tc_scratch = {
	.type = BPF_MAP_TYPE_HASH,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 16,
	.id = 7,
	.pinning = PIN_NONE,
};

SEC("classifier")
int count(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&tc_counters, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	__u32 one = 1;
	bpf_map_update_elem(&tc_scratch, &k, &one, BPF_ANY);
	return 0;
}
