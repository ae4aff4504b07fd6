// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Structs the bindings generator must lay out as the compiler did: holes and tail padding,
// nested structs and arrays of them, unions, anonymous members, bit fields, a packed struct,
// typedef-named and map-named anonymous structs, a record only a pointer global names, and
// .rodata/.data/.bss variables of every setter kind.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct point {
	__s32 x;
	__s32 y;
};

struct holes {
	__u8 tag;          /* 7 bytes hole */
	__u64 wide;
	__u16 half;        /* 2 bytes hole */
	__u32 word;
	struct point corners[2];
	__u8 tail;         /* 7 bytes tail padding */
};

union number {
	__u64 as_u64;
	__u32 as_u32[2];
	struct point as_point;
};

struct mixed {
	__u32 kind;
	union {            /* anonymous: its members read as mixed's */
		__u32 pid;
		__u64 cookie;
	};
	struct {
		__u16 lo;
		__u16 hi;
	} pair;            /* named member of an anonymous struct type */
	__u32 flags : 3;
	__u32 level : 5;
	__u8 after_bits;
	union number num;
	char name[12];
	__u64 matrix[2][3];
};

struct packed_rec {
	__u8 a;
	__u64 b;
	__u16 c;
} __attribute__((packed));

typedef struct {
	__u32 id;
	__u32 _reserved;
} alias_t;

/* a ring buffer record: only locals have this type, a pointer global brings it into BTF */
struct record {
	__u64 ts;
	struct packed_rec payload;
	alias_t alias;
};
struct record *__btf_export_record __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct holes);
	__type(value, struct mixed);
} by_holes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct {
		__u64 hits;
		alias_t last;
	});
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} records SEC(".maps");

const volatile __u32 target_pid = 0;
const volatile bool verbose = false;
const volatile __s8 level = -1;
const volatile __u64 threshold_ns = 1000;
const volatile struct point origin = {1, 2};
__u64 hits = 0;
__u32 seen = 7;

SEC("tp/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	__u32 zero = 0;
	struct holes key = {};
	struct mixed *m;
	struct record *r;

	if (target_pid && (bpf_get_current_pid_tgid() >> 32) != target_pid)
		return 0;
	hits++;
	key.wide = threshold_ns + level + verbose + origin.x;
	m = bpf_map_lookup_elem(&by_holes, &key);
	if (m)
		m->kind++;
	if (bpf_map_lookup_elem(&stats, &zero))
		seen++;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	r->ts = bpf_ktime_get_ns();
	bpf_ringbuf_submit(r, 0);
	return 0;
}
