// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Legacy map definitions: struct bpf_map_def records in the "maps" section, and a version section.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

char LICENSE[] SEC("license") = "GPL";
__u32 VERSION SEC("version") = 0x060c00;

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 256,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = 16,
	.max_entries = 2,
};

SEC("kprobe/do_nanosleep")
int legacy_prog(void *ctx)
{
	__u32 k = 1;
	__u64 one = 1;
	bpf_map_update_elem(&legacy_hash, &k, &one, BPF_ANY);
	return bpf_map_lookup_elem(&legacy_array, &k) != 0;
}
