// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Counts calls of a user-space function and keeps its last return value: a uprobe and a
// uretprobe sharing a struct global in .bss, which user space reads through mmap (libbpf 1.1
// has no BPF_UPROBE: BPF_KPROBE reads the same registers).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct calls {
	__u64 entered;
	__u64 returned;
	__s64 last_ret;
};

struct calls calls;

SEC("uprobe")
int BPF_KPROBE(on_entry)
{
	__sync_fetch_and_add(&calls.entered, 1);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(on_return, long ret)
{
	calls.last_ret = ret;
	__sync_fetch_and_add(&calls.returned, 1);
	return 0;
}
