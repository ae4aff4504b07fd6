// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Legacy (struct bpf_map_def) maps the loader completes as libbpf does: a perf event array of
// size 0 gets one slot per possible CPU. A legacy map-in-map cannot name an inner map: loading
// it must fail with a clear LoaderException (the test removes it for the first load).
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

struct bpf_map_def SEC("maps") events = {
	.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	.key_size = sizeof(int),
	.value_size = sizeof(__u32),
	.max_entries = 0,
};

struct bpf_map_def SEC("maps") outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 0,
};

SEC("raw_tracepoint/sched_switch")
int emit(void *ctx)
{
	__u64 v = 1;
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &v, sizeof(v));
	return 0;
}
