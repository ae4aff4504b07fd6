// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The JVM's hotspot:thread__start USDT probe: arguments fetched by libbpf's usdt.bpf.h from
// the specs the loader writes at attach time, one ring buffer record per started thread.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

struct thread_start {
	__u32 tid;         /* kernel thread id */
	__u32 name_len;
	__s64 java_id;     /* Thread.threadId() */
	__s64 native_id;
	__u8 daemon;
	char name[47];     /* cut, not NUL-terminated when it fills the array */
};
struct thread_start *__btf_export_thread_start __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} threads SEC(".maps");

/* thread__start(char *name, int name_len, long java_id, long native_id, int daemon) */
SEC("usdt")
int BPF_USDT(on_thread_start, char *name, int name_len, long java_id, long native_id, int daemon)
{
	struct thread_start *t = bpf_ringbuf_reserve(&threads, sizeof(*t), 0);

	if (!t)
		return 0;
	t->tid = (__u32)bpf_get_current_pid_tgid();
	t->name_len = name_len;
	t->java_id = java_id;
	t->native_id = native_id;
	t->daemon = daemon;
	/* a constant size: user space cuts at name_len */
	bpf_probe_read_user(t->name, sizeof(t->name), name);
	bpf_ringbuf_submit(t, 0);
	return 0;
}
