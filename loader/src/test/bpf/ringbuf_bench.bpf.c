// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Ring buffer producer for the loader benchmarks (loader/src/jmh): each BPF_PROG_TEST_RUN emits
// bench[0] (at most 256) records back to back, stopping early when the ring is full. The Java
// reader and the libbpf-based C consumer load this same object and drain the same kind of ring.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} rb SEC(".maps");

// set by user space: 0: records per run, 3: record size (16 or 256);
// counted here: 1: records emitted, 2: runs that hit a full ring
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} bench SEC(".maps");

struct rec16 {
	__u64 seq;
	__u64 tag;
};

struct rec256 {
	__u64 seq;
	__u64 tag;
	__u64 pad[30];
};

// the most records one run emits: a bounded loop, since bpf_loop callbacks need BTF func_info
// and the test loader sends no BTF
#define MAX_PER_RUN 256

// bpf_ringbuf_reserve needs a size the verifier sees as a constant: one loop per size
#define EMIT(type, n, emitted)						\
	for (__u32 i = 0; i < MAX_PER_RUN; i++) {			\
		if (i >= n)						\
			break;						\
		type *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);	\
		if (!r)							\
			break;						\
		r->seq = emitted;					\
		r->tag = ~emitted;					\
		bpf_ringbuf_submit(r, 0);				\
		emitted++;						\
	}

SEC("raw_tp")
int produce(void *ctx)
{
	__u32 k0 = 0, k1 = 1, k2 = 2, k3 = 3;
	__u64 *count = bpf_map_lookup_elem(&bench, &k0);
	__u64 *emitted = bpf_map_lookup_elem(&bench, &k1);
	__u64 *full = bpf_map_lookup_elem(&bench, &k2);
	__u64 *size = bpf_map_lookup_elem(&bench, &k3);
	__u64 done = 0;

	if (!count || !emitted || !full || !size)
		return 1;
	__u32 n = *count;
	if (n > MAX_PER_RUN)
		return 3;
	if (*size == 256)
		EMIT(struct rec256, n, done)
	else if (*size == 16)
		EMIT(struct rec16, n, done)
	else
		return 2;
	__sync_fetch_and_add(emitted, done);
	if (done < n)
		__sync_fetch_and_add(full, 1);
	return 0;
}
