// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// perf event array load generator: each run writes BATCH samples of varying sizes, so records
// cross the end of the per-CPU ring, each carrying its sequence number and size.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define BATCH 256

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

// 0: next sequence number, 1: failed outputs
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct out_sample {
	__u64 seq;
	__u64 size;
	__u64 words[31];
};

// per-CPU scratch for the sample, larger than the BPF stack allows comfortably
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct out_sample);
} scratch SEC(".maps");

SEC("raw_tp")
int emit(void *ctx)
{
	__u32 k0 = 0, k1 = 1;
	__u64 *next = bpf_map_lookup_elem(&counters, &k0);
	__u64 *failed = bpf_map_lookup_elem(&counters, &k1);
	struct out_sample *s = bpf_map_lookup_elem(&scratch, &k0);

	if (!next || !failed || !s)
		return 1;
	for (int i = 0; i < BATCH; i++) {
		__u64 seq = *next;
		*next = seq + 1;
		// 16..256 bytes in steps of 8
		__u64 size = 16 + (seq % 31) * 8;
		// hide the modulo's bound from the compiler so the check the verifier needs stays
		barrier_var(size);
		if (size > sizeof(*s))
			size = sizeof(*s);
		s->seq = seq;
		s->size = size;
		if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, s, size))
			*failed += 1;
	}
	return 0;
}
