// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// hotspot USDT probes read through libbpf's usdt.bpf.h argument fetching, so the specs the Java
// side writes are checked against the BPF side that real programs use.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

enum { THREAD_START = 1, GC_BEGIN = 2, GC_END = 3 };

struct event {
	__u32 kind;
	__u32 tid;
	__s64 java_id;
	__s64 native_id;
	__u32 daemon;
	__u32 name_len;
	__s64 arg_cnt;
	char name[32];
};

SEC("usdt")
int BPF_USDT(on_thread_start, char *name, int name_len, long java_id, long native_id, int daemon)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = THREAD_START;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->java_id = java_id;
	e->native_id = native_id;
	e->daemon = daemon;
	e->name_len = name_len;
	e->arg_cnt = bpf_usdt_arg_cnt(ctx);
	// a constant size: a size computed from an argument needs precision tracking back
	// through bpf_usdt_arg, which trips a verifier bug of some kernels; user space cuts at name_len
	bpf_probe_read_user(e->name, sizeof(e->name), name);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int gc_event(struct pt_regs *ctx, __u32 kind, long arg)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->java_id = arg;
	e->arg_cnt = bpf_usdt_arg_cnt(ctx);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_gc_begin, int full)
{
	return gc_event(ctx, GC_BEGIN, full);
}

SEC("usdt")
int BPF_USDT(on_gc_end)
{
	return gc_event(ctx, GC_END, 0);
}

/* One program for several probes, attached with one uprobe_multi link: the kind is the
 * bpf_usdt_cookie() the loader gave each probe, java_id the first argument. */
SEC("usdt")
int on_any(struct pt_regs *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	long arg0 = 0;

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = bpf_usdt_cookie(ctx);
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->arg_cnt = bpf_usdt_arg_cnt(ctx);
	if (bpf_usdt_arg(ctx, 0, &arg0) == 0)
		e->java_id = arg0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
