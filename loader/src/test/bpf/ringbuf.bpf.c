// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Ring buffer load generator for the reader tests: each run emits BATCH sequence-numbered
// records, counting reservations that failed because the reader fell behind.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BATCH 512

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} rb SEC(".maps");

// 0: next sequence number, 1: failed reservations
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct small {
	__u64 seq;
	__u64 tag;
};

struct big {
	__u64 seq;
	__u64 tag;
	__u64 pad[30];
};

// one program per record size: a size test inside the loop multiplies the verifier's work
#define PRODUCER(fn, type)						\
SEC("raw_tp")								\
int fn(void *ctx)							\
{									\
	__u32 k0 = 0, k1 = 1;						\
	__u64 *next = bpf_map_lookup_elem(&counters, &k0);		\
	__u64 *failed = bpf_map_lookup_elem(&counters, &k1);		\
									\
	if (!next || !failed)						\
		return 1;						\
	for (int i = 0; i < BATCH; i++) {				\
		__u64 seq = *next;					\
		*next = seq + 1;					\
		type *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);	\
		if (!r) {						\
			*failed += 1;					\
			continue;					\
		}							\
		r->seq = seq;						\
		r->tag = ~seq;						\
		bpf_ringbuf_submit(r, 0);				\
	}								\
	return 0;							\
}

PRODUCER(produce_small, struct small)
PRODUCER(produce_big, struct big)

// every other record is discarded: the reader must skip them
SEC("raw_tp")
int produce_discard(void *ctx)
{
	__u32 k0 = 0;
	__u64 *next = bpf_map_lookup_elem(&counters, &k0);

	if (!next)
		return 1;
	for (int i = 0; i < 64; i++) {
		__u64 seq = *next;
		*next = seq + 1;
		struct small *s = bpf_ringbuf_reserve(&rb, sizeof(*s), 0);
		if (!s)
			continue;
		s->seq = seq;
		s->tag = ~seq;
		if (seq & 1)
			bpf_ringbuf_discard(s, 0);
		else
			bpf_ringbuf_submit(s, 0);
	}
	return 0;
}
